// The HTTP API of `easel serve` (docs/server.md), as the workspace uses it: every call carries the API
// key as a bearer token, and every failure becomes an ApiError with the server's message and field.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export interface ModelEntry {
  id: string;
  easel: {
    kind: 'edit' | 'diffusion' | 'lora' | string;
    operations?: string[];
    aliases?: string[];
    family?: string;
    variant?: string;
    enables?: string[];
    missing?: string[];
    base?: string;
    usable?: boolean;
    problem?: string;
    generative_operations?: string[];
    engine_available?: boolean;
  };
}

export interface PlanStepView {
  op: string;
  description: string;
  touches: string;
  clause: string;
  params: Record<string, unknown>;
}

export interface PlanPreview {
  steps: PlanStepView[];
  preserve: { touches: string; clause: string }[];
  unsupported: { clause: string; reason: string }[];
  runnable: boolean;
}

export interface ImagesResponse {
  data: { b64_json?: string; asset_id?: string; url?: string }[];
  size?: string;
  output_format?: string;
  usage?: Record<string, unknown>;
  easel?: Record<string, any>;
}

export interface Job {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: number;
  error: { message: string; param?: string | null; code?: string | null } | null;
  result: ImagesResponse | null;
}

export interface StreamEvent {
  type: string;
  b64_json?: string;
  partial_image_index?: number;
  [field: string]: unknown;
}

const keyStorage = 'easel.apiKey';

export function savedKey(): string {
  return localStorage.getItem(keyStorage) ?? '';
}

export function saveKey(key: string): void {
  if (key) localStorage.setItem(keyStorage, key);
  else localStorage.removeItem(keyStorage);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = savedKey();
  return key ? { Authorization: `Bearer ${key}`, ...extra } : extra;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: any = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy or an unexpected answer; the status says enough
  }
  const error = body?.error;
  if (error?.message) return new ApiError(error.message, response.status, error.param ?? null, error.code ?? null);
  return new ApiError(`the server answered ${response.status} ${response.statusText}`, response.status);
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: headers((init.headers as Record<string, string>) ?? {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError('cannot reach the Easel server: is `easel serve` still running?', 0, null, 'network_error');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await call(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    signal,
  });
  return (await response.json()) as T;
}

export async function listModels(): Promise<ModelEntry[]> {
  const response = await call('/v1/models');
  return ((await response.json()) as { data: ModelEntry[] }).data;
}

export function previewPlan(prompt: string, references: number, mask: boolean, size: string, signal?: AbortSignal): Promise<PlanPreview> {
  return postJson<PlanPreview>('/v1/plans', { prompt, references, mask, size }, signal);
}

export function generate(body: Record<string, unknown>, signal?: AbortSignal): Promise<ImagesResponse> {
  return postJson<ImagesResponse>('/v1/images/generations', body, signal);
}

export function submitJob(body: Record<string, unknown>): Promise<Job> {
  return postJson<Job>('/v1/jobs', body);
}

export async function getJob(id: string): Promise<Job> {
  return (await call(`/v1/jobs/${encodeURIComponent(id)}`)).json() as Promise<Job>;
}

export async function cancelJob(id: string): Promise<void> {
  try {
    await call(`/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (error) {
    // 409: it finished before the cancel arrived; the poller picks up the result
    if (!(error instanceof ApiError && error.status === 409)) throw error;
  }
}

export async function fetchAsset(url: string): Promise<Blob> {
  return (await call(url)).blob();
}

// POST returning server-sent events (fetch, not EventSource, which cannot send a body or headers).
// Calls `onEvent` for each event; resolves with the `*.completed` event; throws ApiError on an `error` event.
export async function postStream(
  path: string,
  body: FormData | Record<string, unknown>,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
): Promise<StreamEvent> {
  const isForm = body instanceof FormData;
  const response = await call(path, {
    method: 'POST',
    body: isForm ? body : JSON.stringify(body),
    headers: isForm ? {} : { 'Content-Type': 'application/json' },
    signal,
  });
  if (!(response.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) {
    // A server without streaming for this endpoint answers the whole result at once.
    const whole = (await response.json()) as ImagesResponse;
    return { type: 'completed', b64_json: whole.data[0]?.b64_json, response: whole };
  }
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let completed: StreamEvent | null = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (!data) continue;
      const event = JSON.parse(data) as StreamEvent;
      if (name === 'error') {
        const error = (event as any).error ?? event;
        throw new ApiError(error.message ?? 'the server reported an error', 400, error.param ?? null, error.code ?? null);
      }
      if (name.endsWith('.completed')) completed = event;
      else onEvent(event);
    }
  }
  if (!completed) throw new ApiError('the stream ended before the result arrived', 0, null, 'stream_incomplete');
  return completed;
}
