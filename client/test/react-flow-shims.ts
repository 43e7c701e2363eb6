import { act } from '@testing-library/react';

/**
 * React Flow measures nodes through ResizeObserver, offsetWidth/Height and
 * DOMMatrixReadOnly, none of which jsdom implements (React Flow's testing
 * guide). Importing this module installs the shims once.
 */
class ResizeObserverShim {
  private readonly callback: ResizeObserverCallback;
  constructor(callback: ResizeObserverCallback) {
    this.callback = callback;
  }
  observe(target: Element): void {
    // Deferred like a real observer: React Flow's own container ref is set by then.
    queueMicrotask(() => this.callback([{ target } as ResizeObserverEntry], this as unknown as ResizeObserver));
  }
  unobserve(): void {}
  disconnect(): void {}
}

class DOMMatrixReadOnlyShim {
  readonly m22: number;
  constructor(transform?: string) {
    const scale = transform?.match(/scale\(([1-9.]+)\)/)?.[1];
    this.m22 = scale !== undefined ? Number(scale) : 1;
  }
}

let installed = false;

export function installReactFlowShims(): void {
  if (installed) return;
  installed = true;
  globalThis.ResizeObserver = ResizeObserverShim as unknown as typeof ResizeObserver;
  (globalThis as { DOMMatrixReadOnly?: unknown }).DOMMatrixReadOnly = DOMMatrixReadOnlyShim;
  // React Flow sizes from inline styles, which our nodes always carry (fixed sizes per type).
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: {
      configurable: true,
      get(this: HTMLElement) {
        return Number.parseFloat(this.style.height) || 1;
      },
    },
    offsetWidth: {
      configurable: true,
      get(this: HTMLElement) {
        return Number.parseFloat(this.style.width) || 1;
      },
    },
  });
  (globalThis.SVGElement.prototype as unknown as { getBBox: () => DOMRect }).getBBox = () => ({ x: 0, y: 0, width: 0, height: 0 }) as DOMRect;
}

installReactFlowShims();

/**
 * Runs the deferred measurements (queued microtasks) inside `act`, so edges
 * render and React stays quiet. No timers: `act` is entered before anything
 * yields, so the queued callbacks run within it.
 */
export async function flushMeasurements(): Promise<void> {
  await act(async () => {
    await Promise.resolve();
  });
}
