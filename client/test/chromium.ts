/**
 * Debian's Chromium as the e2e tests and the diagram bench launch it: nothing is downloaded, and
 * the flags keep a headless run from reaching the network or doing first-run work.
 */
export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
