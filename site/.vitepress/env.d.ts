// Types for what Vite adds to the site's modules: `import.meta.glob`, `?raw` imports, and .vue
// single-file components.

/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent<object, object, unknown>;
  export default component;
}
