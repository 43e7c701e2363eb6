import type { Scope } from '@weft/shared';
import { type ReactNode, useId } from 'react';
import { Link } from 'react-router';
import { type Can, useCan } from './use-can';

export type Gate = {
  can: Can;
  /** Spread onto the control: disabled, with the reason as its tooltip and description. */
  props: { disabled?: true; title?: string; 'aria-describedby'?: string };
  /** Render next to the control: the reason, for screen readers (null when allowed). */
  hint: ReactNode;
};

/** A control that needs `scope`: disabled for a person without it, saying why. */
export function useGate(scope: Scope): Gate {
  const can = useCan(scope);
  const id = useId();
  if (can.allowed) return { can, props: {}, hint: null };
  return {
    can,
    props: { disabled: true, title: can.reason, 'aria-describedby': id },
    hint: (
      <span id={id} className="visually-hidden">
        {can.reason}
      </span>
    ),
  };
}

/** A link to a page that needs `scope`, or a disabled button saying why (a link cannot be disabled). */
export function GatedLink({ scope, to, className, children }: { scope: Scope; to: string; className: string; children: ReactNode }) {
  const gate = useGate(scope);
  if (gate.can.allowed) {
    return (
      <Link to={to} className={className}>
        {children}
      </Link>
    );
  }
  return (
    <>
      <button type="button" className={className} {...gate.props}>
        {children}
      </button>
      {gate.hint}
    </>
  );
}
