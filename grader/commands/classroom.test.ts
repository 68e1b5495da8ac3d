import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gradedChapters } from '../chapters.ts';
import { FIXTURE_EXERCISES } from '../fixtures/grade.ts';
import { classroomWorkflow } from './classroom.ts';

interface Step {
  name: string;
  id?: string;
  uses?: string;
  with?: Record<string, string | number>;
  env?: Record<string, string>;
}

describe('the GitHub Classroom workflow', () => {
  const chapter = {
    id: '01',
    slug: '01-virtualization',
    title: 'Fixture',
    builds: 'a calculator',
    dir: '',
    exercises: FIXTURE_EXERCISES,
  };
  const workflow = parse(classroomWorkflow([chapter]));
  const steps: Step[] = workflow.jobs['run-autograding-tests'].steps;

  it('is valid YAML with one grading step per exercise, worth its points', () => {
    expect(workflow.on).toEqual(['push', 'repository_dispatch']);
    const graders = steps.filter((s) => s.uses === 'education/autograding-command-grader@v1');
    expect(graders.map((s) => s.with?.command)).toEqual([
      'npx xenlab grade 01 --exercise 01-fixture-add',
      'npx xenlab grade 01 --exercise 01-fixture-sub',
    ]);
    expect(graders.map((s) => s.with?.['max-score'])).toEqual([4, 2]);
    expect(new Set(graders.map((s) => s.id)).size).toBe(graders.length);
  });

  it('ends with the reporter collecting every step’s result', () => {
    const reporter = steps[steps.length - 1]!;
    expect(reporter.uses).toBe('education/autograding-grading-reporter@v1');
    expect(reporter.with?.runners).toBe('ex-01-fixture-add,ex-01-fixture-sub');
    // GitHub's expression syntax, ${{ … }}, read by Actions (not a template literal).
    const result = (id: string) => `\${{steps.${id}.outputs.result}}`;
    expect(reporter.env).toEqual({
      'EX-01-FIXTURE-ADD_RESULTS': result('ex-01-fixture-add'),
      'EX-01-FIXTURE-SUB_RESULTS': result('ex-01-fixture-sub'),
    });
    expect(workflow.jobs['run-autograding-tests'].if).toBe(
      "github.actor != 'github-classroom[bot]'",
    );
  });

  it('has every exercise of every chapter exactly once', async () => {
    const chapters = await gradedChapters();
    const all = parse(classroomWorkflow(chapters)).jobs['run-autograding-tests'].steps as Step[];
    const commands = all.map((s) => s.with?.command).filter((c) => c !== undefined);
    const want = chapters.flatMap((c) =>
      c.exercises.map((e) => `npx xenlab grade ${c.id} --exercise ${e.id}`),
    );
    expect(commands.sort()).toEqual(want.sort());
    expect(new Set(commands).size).toBe(commands.length);
  });
});
