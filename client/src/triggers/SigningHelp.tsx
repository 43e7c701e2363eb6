import './trigger-form.css';
import './triggers.css';
import type { WebhookVerify } from '@weft/shared';
import { CopyButton } from './CopyButton';
import { senderSetup, weftCurlExample } from './signing';

/**
 * How to call a hook with its scheme: a curl example that signs the weft way (with the secret
 * filled in while it is on screen), or where the sender's settings take the URL and secret.
 */
export function SigningHelp({ verify, url, path, secret }: { verify: WebhookVerify; url: string; path: string; secret?: string | undefined }) {
  if (verify !== 'weft') return <p className="field__hint signing-help">{senderSetup(verify, url)}</p>;
  const example = weftCurlExample({ url, path, secret });
  return (
    <div className="signing-help">
      <p className="field__hint">
        Send <code>X-Weft-Timestamp</code> (unix seconds) and <code>X-Weft-Signature: sha256=</code>the hex HMAC-SHA256 of{' '}
        <code>&lt;timestamp&gt;.&lt;path and query&gt;.&lt;body&gt;</code>. Within 5 minutes of the server’s clock; the same signature again is the same
        delivery.
      </p>
      <pre className="code-block signing-help__example" data-testid="signing-example">
        {example}
      </pre>
      <CopyButton text={example} label="Copy example" className="btn btn--small copy-btn" />
    </div>
  );
}
