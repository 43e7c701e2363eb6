import { configure } from '@testing-library/react';

// The first visit to a lazy route transforms its whole module graph (React Flow, dagre, the page's
// sheets) before anything renders: close to a second alone, more on a loaded machine. `findBy*` and
// `waitFor` wait for what a test expects to appear; the default second made those first visits flaky.
configure({ asyncUtilTimeout: 5_000 });

// jsdom lays nothing out, so it has no scrolling: pages that scroll an element into view (the
// new-workflow page's template gallery) would throw after the test that triggered them.
if (typeof Element !== 'undefined' && !Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => {};
