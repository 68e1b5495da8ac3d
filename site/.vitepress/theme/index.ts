// The book's theme: VitePress's default theme, plus the interactive parts registered globally so
// a chapter's README.md can use them as tags (`<GuestConsole guest="hello" />`).

import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import BookContents from './components/BookContents.vue';
import ConsoleRing from './components/ConsoleRing.vue';
import EventChannels from './components/EventChannels.vue';
import GetTheCode from './components/GetTheCode.vue';
import GrantTable from './components/GrantTable.vue';
import GuestConsole from './components/GuestConsole.vue';
import GuestList from './components/GuestList.vue';
import GuestPicker from './components/GuestPicker.vue';
import PageTables from './components/PageTables.vue';
import PageTableWalk from './components/PageTableWalk.vue';
import SimSpeed from './components/SimSpeed.vue';
import VcpuTimeInfo from './components/VcpuTimeInfo.vue';
import XenStoreTree from './components/XenStoreTree.vue';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('BookContents', BookContents);
    app.component('ConsoleRing', ConsoleRing);
    app.component('GetTheCode', GetTheCode);
    app.component('GrantTable', GrantTable);
    app.component('GuestConsole', GuestConsole);
    app.component('PageTableWalk', PageTableWalk);
    app.component('GuestList', GuestList);
    app.component('GuestPicker', GuestPicker);
    app.component('PageTables', PageTables);
    app.component('SimSpeed', SimSpeed);
    app.component('VcpuTimeInfo', VcpuTimeInfo);
    app.component('EventChannels', EventChannels);
    app.component('XenStoreTree', XenStoreTree);
  },
} satisfies Theme;
