import './sign-in.css';
import type { ReactNode } from 'react';
import { LogoMark } from '../components/icons';

/** The centred card of the pages shown outside the app: sign-in, first-start setup, invite. */
export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <main className="signin">
      <title>{`${title} · Weft`}</title>
      <div className="card signin__card">
        <div className="signin__brand">
          <span className="brand__mark">
            <LogoMark />
          </span>
          Weft
        </div>
        <div>
          <h1>{title}</h1>
          {intro !== undefined && <p className="muted">{intro}</p>}
        </div>
        {children}
      </div>
    </main>
  );
}
