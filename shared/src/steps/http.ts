import { z } from 'zod';
import { HTTP_URL_PATTERN, NonEmptyTemplate, TemplateSource, TemplatedJson, stepCommonShape, templateMapSites, templatedJsonSites } from './common';
import { parseTemplate } from '../expressions/templates';
import type { ExpressionSite, StepCatalogueEntry } from './types';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export const HttpMethod = z.enum(HTTP_METHODS);
export type HttpMethod = z.infer<typeof HttpMethod>;

const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const HttpUrl = NonEmptyTemplate.superRefine((url, ctx) => {
  // Only a URL without `{{ }}` can be checked before the run.
  if (!isLiteralTemplate(url)) return;
  if (!HTTP_URL_PATTERN.test(url)) ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
});

function isLiteralTemplate(source: string): boolean {
  try {
    return parseTemplate(source).parts.every((part) => part.kind === 'text');
  } catch {
    return false; // reported by the template check
  }
}

export const HttpStep = z.strictObject({
  ...stepCommonShape,
  type: z.literal('http'),
  method: HttpMethod,
  url: HttpUrl,
  headers: z.record(z.string().regex(HEADER_NAME_PATTERN, { error: 'must be a valid header name' }), TemplateSource).optional(),
  /** Any JSON; every string inside is a template, and a string that is exactly `{{ expr }}` becomes the raw value. */
  body: TemplatedJson.optional(),
});
export type HttpStep = z.infer<typeof HttpStep>;

export const HttpOutput = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  /** Parsed JSON when the response is JSON, else the text. */
  body: z.unknown(),
});
export type HttpOutput = z.infer<typeof HttpOutput>;

export const httpEntry: StepCatalogueEntry<'http'> = {
  type: 'http',
  title: 'HTTP request',
  description:
    'Sends an HTTP request. `url` and header values are templates; `body` is any JSON whose strings are templates. A status of 400 or more fails the step.',
  configSchema: HttpStep,
  outputSchema: HttpOutput,
  example: {
    id: 'create_ticket',
    type: 'http',
    method: 'POST',
    url: 'https://tickets.example.com/api/tickets',
    headers: { 'Content-Type': 'application/json' },
    body: { title: 'Deploy {{ inputs.version }}', labels: ['deploy'] },
  },
  defaultTimeoutSeconds: 30,
  keyParam: (step) => `${step.method} ${step.url}`,
  expressionSites: (step) => {
    const sites: ExpressionSite[] = [{ path: ['url'], kind: 'template', source: step.url }, ...templateMapSites(step.headers, 'headers')];
    return step.body === undefined ? sites : [...sites, ...templatedJsonSites(step.body, ['body'])];
  },
};
