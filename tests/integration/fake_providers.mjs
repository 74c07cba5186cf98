// fake_providers.mjs: a loopback stand-in for the hosted embedding and chat
// APIs (OpenAI-compatible /v1 and Google's Generative Language /v1beta), so
// integration tests can run the libcurl clients without the network.
//
// Usage:
//   const fake = await startFakeProviders({dim: 384});
//   after(() => fake.close());
//   fake.failNext(':embedContent', 503, 2); // the next two such calls fail
//   ... point the C client at fake.url, then inspect fake.requests.
//
// Replies are deterministic: chat answers "FAKE-LLM reply to: <last user
// message, first 200 chars>. Context chars: <chars of system text>." and
// embeddings are hashed bags of words (texts sharing words are similar).
// "Chars" are Unicode code points; "tokens" (usage, max_tokens) are words.

import crypto from 'node:crypto';
import http from 'node:http';

const MAX_BODY = 5 * 1024 * 1024;
const MAX_OPENAI_INPUTS = 2048;
const MAX_GEMINI_BATCH = 100;
const STREAM_GAP_MS = 2; // pause between stream writes, so reads see pieces
const WORDS_PER_PIECE = 3;

// ---- deterministic text functions ----

/** 32-bit FNV-1a of the UTF-8 bytes of S. */
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Murmur3's finaliser: a second, independent-looking hash of H. */
function mix(h) {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The embedding of TEXT: each lowercased word adds +1/-1 (sign from a
 * second hash) to bucket fnv1a(word) % dim, then the vector is L2
 * normalised. A text without words gets the unit vector e0.
 */
export function fakeEmbedding(text, dim) {
  const v = new Array(dim).fill(0);
  for (const w of String(text).toLowerCase().match(/[\p{L}\p{N}]+/gu) || []) {
    const h = fnv1a(w);
    v[h % dim] += mix(h) & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...v);
  if (norm === 0) {
    v.fill(0);
    v[0] = 1;
    return v;
  }
  return v.map((x) => x / norm);
}

const codePoints = (s) => [...s].length;
const countWords = (s) => (s.match(/\S+/g) || []).length;

/** The reply the fake model gives; see the header. */
function replyText(lastUser, systemChars) {
  const head = [...lastUser].slice(0, 200).join('');
  return `FAKE-LLM reply to: ${head}. Context chars: ${systemChars}.`;
}

/** TEXT cut to at most MAX words (null: no limit); {text, cut}. */
function limitWords(text, max) {
  if (max == null || countWords(text) <= max) return { text, cut: false };
  const words = text.match(/\S+\s*/g) || [];
  return { text: words.slice(0, max).join('').trimEnd(), cut: true };
}

/** TEXT split into pieces of a few words; the pieces concatenate to TEXT. */
function pieces(text) {
  const words = text.split(/(?<=\s)(?=\S)/);
  const out = [];
  for (let i = 0; i < words.length; i += WORDS_PER_PIECE)
    out.push(words.slice(i, i + WORDS_PER_PIECE).join(''));
  return out.length ? out : [''];
}

const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

// ---- error bodies in each provider's format ----

class ApiError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

const GOOGLE_STATUS = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'INVALID_ARGUMENT',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const OPENAI_DEFAULT_MESSAGE = {
  429: 'Rate limit reached for requests. Please try again later.',
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The server is overloaded or not ready yet.',
};

const GOOGLE_DEFAULT_MESSAGE = {
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'The service is currently unavailable.',
};

/** {"error":{message, type, param, code}} as OpenAI sends it. */
function openaiError(status, message, extra) {
  let type = 'invalid_request_error';
  let code = null;
  if (status === 429) [type, code] = ['requests', 'rate_limit_exceeded'];
  else if (status >= 500) type = 'server_error';
  return {
    error: {
      message: message || OPENAI_DEFAULT_MESSAGE[status] || http.STATUS_CODES[status] || 'Error',
      type: extra.type ?? type,
      param: extra.param ?? null,
      code: extra.code !== undefined ? extra.code : code,
    },
  };
}

/** {"error":{code, message, status[, details]}} as Google APIs send it. */
function googleError(status, message, extra) {
  const error = {
    code: status,
    message: message || GOOGLE_DEFAULT_MESSAGE[status] || http.STATUS_CODES[status] || 'Error',
    status: extra.status || GOOGLE_STATUS[status] || (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
  };
  if (extra.details) error.details = extra.details;
  else if (status === 429)
    error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0s' }];
  return { error };
}

// ---- helpers for request bodies ----

/** The text of an OpenAI message content: a string or an array of parts. */
function openaiContentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}

/** Google's JSON accepts both lowerCamelCase and snake_case field names. */
function field(obj, camel) {
  if (!isObject(obj)) return undefined;
  if (obj[camel] !== undefined) return obj[camel];
  return obj[camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())];
}

/** 400 unless OBJ only has fields in ALLOWED (camelCase; snake_case also ok). */
function checkFields(obj, allowed, where) {
  for (const k of Object.keys(obj)) {
    const camel = k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    if (!allowed.includes(camel))
      throw new ApiError(400, `Invalid JSON payload received. Unknown name "${k}"${where ? ` at '${where}'` : ''}: Cannot find field.`, {
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: where || '', description: `Invalid JSON payload received. Unknown name "${k}"${where ? ` at '${where}'` : ''}: Cannot find field.` }],
          },
        ],
      });
  }
}

/** The text of a Gemini Content ({parts:[{text}], role?}), 400 if malformed. */
function googleContentText(content, where, sep = '') {
  if (!isObject(content)) throw new ApiError(400, `* ${where}: contents is not specified`);
  checkFields(content, ['parts', 'role'], where);
  const parts = content.parts;
  if (!Array.isArray(parts) || parts.length === 0)
    throw new ApiError(400, `* ${where}.parts: contents.parts must not be empty.`);
  return parts
    .map((p, i) => {
      if (!isObject(p)) throw new ApiError(400, `Invalid value at '${where}.parts[${i}]': expected an object`);
      if (p.text !== undefined && typeof p.text !== 'string')
        throw new ApiError(400, `Invalid value at '${where}.parts[${i}].text' (TYPE_STRING), ${JSON.stringify(p.text)}`);
      return p.text || '';
    })
    .join(sep);
}

const TASK_TYPES = [
  'TASK_TYPE_UNSPECIFIED',
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
];

// ---- the server ----

/**
 * Starts the fake providers on 127.0.0.1 and a random port. Resolves to
 * {url, requests, failNext(sub, status, count), replyNext(text), close()}.
 * replyNext queues the text of the next OpenAI chat answer (instead of the
 * deterministic reply), for tests of what the server does with a model's answer.
 */
export async function startFakeProviders(opts = {}) {
  const apiKey = opts.apiKey ?? 'test-openai-key';
  const googleKey = opts.googleKey ?? 'test-google-key';
  const dim = opts.dim ?? 384;
  const delayMs = opts.delayMs ?? 0;
  const requests = [];
  const failures = []; // {sub, status, left}
  const scripted = []; // texts the next OpenAI chat answers give, in order
  const timers = new Set();
  let closing = false;

  const wait = (ms) =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  /** Writes a complete JSON response unless the client has gone. */
  function sendJson(res, status, obj, headers = {}) {
    if (res.destroyed || res.headersSent) return;
    const body = JSON.stringify(obj);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  function sendError(res, provider, status, message, extra = {}) {
    const headers = status === 429 ? { 'Retry-After': '0' } : {};
    const body = provider === 'google' ? googleError(status, message, extra) : openaiError(status, message, extra);
    sendJson(res, status, body, headers);
  }

  /** Writes BUF in two halves with pauses: clients must reassemble events. */
  async function writeSplit(res, text) {
    const buf = Buffer.from(text, 'utf8');
    const mid = buf.length >> 1;
    for (const part of [buf.subarray(0, mid), buf.subarray(mid)]) {
      if (res.destroyed || closing) return false;
      res.write(part);
      await wait(STREAM_GAP_MS);
    }
    return !res.destroyed;
  }

  // ---- OpenAI-compatible ----

  function checkOpenaiKey(req) {
    const auth = req.headers.authorization;
    const m = typeof auth === 'string' && auth.match(/^Bearer\s+(\S+)\s*$/i);
    if (!m)
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        { code: 'invalid_api_key' },
      );
    if (m[1] !== apiKey) {
      const k = m[1];
      const masked = k.length > 8 ? `${k.slice(0, 3)}***${k.slice(-4)}` : '***';
      throw new ApiError(401, `Incorrect API key provided: ${masked}.`, { code: 'invalid_api_key' });
    }
  }

  function requireModel(body) {
    if (body.model === undefined || body.model === null || body.model === '')
      throw new ApiError(400, 'You must provide a model parameter.', { param: 'model' });
    if (typeof body.model !== 'string')
      throw new ApiError(400, "Invalid type for 'model': expected a string.", { param: 'model', code: 'invalid_type' });
  }

  async function openaiEmbeddings(req, res, body) {
    requireModel(body);
    let input = body.input;
    if (input === undefined || input === null)
      throw new ApiError(400, "Missing required parameter: 'input'.", { param: 'input', code: 'missing_required_parameter' });
    // A string, an array of strings, an array of token ids or of such arrays.
    if (typeof input === 'string') input = [input];
    else if (Array.isArray(input) && input.length && input.every((x) => Number.isInteger(x))) input = [input];
    if (!Array.isArray(input) || input.length === 0)
      throw new ApiError(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", { param: 'input' });
    if (input.length > MAX_OPENAI_INPUTS)
      throw new ApiError(400, `'$.input' is invalid: at most ${MAX_OPENAI_INPUTS} inputs per request, got ${input.length}.`, { param: 'input' });
    const texts = input.map((x, i) => {
      if (typeof x === 'string') return x;
      if (Array.isArray(x) && x.every((t) => Number.isInteger(t))) return x.join(' ');
      throw new ApiError(400, `'$.input[${i}]' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.`, { param: 'input' });
    });
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64')
      throw new ApiError(400, `Invalid value for 'encoding_format': expected 'float' or 'base64', got ${JSON.stringify(format)}.`, { param: 'encoding_format' });
    let n = dim;
    if (body.dimensions !== undefined) {
      if (!Number.isInteger(body.dimensions) || body.dimensions < 1)
        throw new ApiError(400, "Invalid 'dimensions': expected an integer >= 1.", { param: 'dimensions' });
      n = body.dimensions;
    }
    const tokens = texts.reduce((a, t) => a + countWords(t), 0);
    sendJson(res, 200, {
      object: 'list',
      data: texts.map((t, index) => {
        const v = fakeEmbedding(t, n);
        const embedding = format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
        return { object: 'embedding', index, embedding };
      }),
      model: body.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function openaiChat(req, res, body) {
    requireModel(body);
    const msgs = body.messages;
    if (msgs === undefined || msgs === null)
      throw new ApiError(400, "Missing required parameter: 'messages'.", { param: 'messages', code: 'missing_required_parameter' });
    if (!Array.isArray(msgs))
      throw new ApiError(400, "Invalid type for 'messages': expected an array of objects.", { param: 'messages', code: 'invalid_type' });
    if (msgs.length === 0)
      throw new ApiError(400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", {
        param: 'messages',
        code: 'empty_array',
      });
    const roles = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
    let systemChars = 0;
    let lastUser = '';
    let promptTokens = 0;
    msgs.forEach((m, i) => {
      if (!isObject(m) || !roles.includes(m.role))
        throw new ApiError(400, `Invalid value for 'messages[${i}].role': expected one of ${roles.join(', ')}.`, {
          param: `messages[${i}].role`,
          code: 'invalid_value',
        });
      if (m.role !== 'assistant' && m.content === undefined)
        throw new ApiError(400, `Missing required parameter: 'messages[${i}].content'.`, {
          param: `messages[${i}].content`,
          code: 'missing_required_parameter',
        });
      const text = openaiContentText(m.content);
      promptTokens += countWords(text);
      if (m.role === 'system') systemChars += codePoints(text);
      if (m.role === 'user') lastUser = text;
    });
    if (body.stream !== undefined && typeof body.stream !== 'boolean')
      throw new ApiError(400, "Invalid type for 'stream': expected a boolean.", { param: 'stream', code: 'invalid_type' });
    const t = body.temperature;
    if (t !== undefined && t !== null && (typeof t !== 'number' || t < 0 || t > 2))
      throw new ApiError(400, `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, got ${t} instead.`, {
        param: 'temperature',
        code: 'decimal_above_max_value',
      });
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
    if (maxTokens !== null && (!Number.isInteger(maxTokens) || maxTokens < 1))
      throw new ApiError(400, "Invalid 'max_tokens': expected an integer >= 1.", { param: 'max_tokens', code: 'invalid_value' });

    const scriptedText = scripted.length ? scripted.shift() : null;
    const { text, cut } = scriptedText !== null ? { text: scriptedText, cut: false } : limitWords(replyText(lastUser, systemChars), maxTokens);
    const finish = cut ? 'length' : 'stop';
    const completionTokens = countWords(text);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = 'chatcmpl-' + crypto.randomBytes(12).toString('base64url');
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: 'chat.completion', created, model: body.model, system_fingerprint: 'fp_fake' };

    if (!body.stream) {
      sendJson(res, 200, {
        ...base,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finish }],
        usage,
      });
      return;
    }
    const withUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
    const chunk = (choices, extra = {}) =>
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
    const choice = (delta, finish_reason = null) => ({ index: 0, delta, logprobs: null, finish_reason });
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const events = [chunk([choice({ role: 'assistant', content: '' })])];
    for (const p of pieces(text)) events.push(chunk([choice({ content: p })]));
    events.push(chunk([choice({}, finish)]));
    if (withUsage) events.push(chunk([], { usage }));
    events.push('data: [DONE]\n\n');
    for (const e of events) if (!(await writeSplit(res, e))) return;
    res.end();
  }

  // ---- Google Generative Language ----

  function checkGoogleKey(req, query) {
    const key = req.headers['x-goog-api-key'] ?? query.get('key');
    if (key === undefined || key === null || key === '')
      throw new ApiError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    if (key !== googleKey)
      throw new ApiError(400, 'API key not valid. Please pass a valid API key.', {
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      });
  }

  /** One EmbedContentRequest (top level or inside a batch) to its values. */
  function googleEmbedOne(r, where, model) {
    if (!isObject(r)) throw new ApiError(400, `Invalid value at '${where || 'request'}': expected an object`);
    checkFields(r, ['model', 'content', 'taskType', 'title', 'outputDimensionality'], where);
    const rModel = field(r, 'model');
    if (where && rModel === undefined) throw new ApiError(400, `* BatchEmbedContentsRequest.${where}.model: model is required`);
    if (rModel !== undefined && rModel !== `models/${model}`)
      throw new ApiError(400, `* BatchEmbedContentsRequest.${where || 'model'}: Model names in the batch request must match the model in the URL (models/${model}), got ${JSON.stringify(rModel)}.`);
    const task = field(r, 'taskType');
    if (task !== undefined && !TASK_TYPES.includes(task))
      throw new ApiError(400, `Invalid value at '${where ? where + '.' : ''}task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), ${JSON.stringify(task)}`);
    let n = dim;
    const od = field(r, 'outputDimensionality');
    if (od !== undefined) {
      if (!Number.isInteger(od) || od < 1)
        throw new ApiError(400, `* ${where ? where + '.' : ''}output_dimensionality: must be a positive integer.`);
      n = od;
    }
    const content = field(r, 'content');
    if (content === undefined) throw new ApiError(400, `* EmbedContentRequest${where ? '.' + where : ''}.content: contents is not specified`);
    return fakeEmbedding(googleContentText(content, `${where ? where + '.' : ''}content`, ' '), n);
  }

  async function googleEmbed(req, res, body, model) {
    sendJson(res, 200, { embedding: { values: googleEmbedOne(body, '', model) } });
  }

  async function googleBatchEmbed(req, res, body, model) {
    checkFields(body, ['requests'], '');
    const rs = body.requests;
    if (!Array.isArray(rs) || rs.length === 0)
      throw new ApiError(400, '* BatchEmbedContentsRequest.requests: requests is not specified');
    if (rs.length > MAX_GEMINI_BATCH)
      throw new ApiError(400, `* BatchEmbedContentsRequest.requests: at most ${MAX_GEMINI_BATCH} requests can be in one batch`);
    sendJson(res, 200, { embeddings: rs.map((r, i) => ({ values: googleEmbedOne(r, `requests[${i}]`, model) })) });
  }

  async function googleGenerate(req, res, body, model, stream, query) {
    checkFields(
      body,
      ['model', 'contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent'],
      '',
    );
    const contents = body.contents;
    if (!Array.isArray(contents) || contents.length === 0)
      throw new ApiError(400, '* GenerateContentRequest.contents: contents is not specified');
    let lastUser = '';
    let promptTokens = 0;
    contents.forEach((c, i) => {
      const text = googleContentText(c, `contents[${i}]`);
      if (c.role !== undefined && c.role !== 'user' && c.role !== 'model' && c.role !== 'function')
        throw new ApiError(400, 'Please use a valid role: user, model.');
      promptTokens += countWords(text);
      if (c.role === undefined || c.role === 'user') lastUser = text;
    });
    let systemChars = 0;
    const sys = field(body, 'systemInstruction');
    if (sys !== undefined) {
      const text = googleContentText(sys, 'system_instruction');
      systemChars = codePoints(text);
      promptTokens += countWords(text);
    }
    const gc = field(body, 'generationConfig');
    if (gc !== undefined && !isObject(gc)) throw new ApiError(400, "Invalid value at 'generation_config': expected an object");
    const maxTokens = field(gc, 'maxOutputTokens') ?? null;
    if (maxTokens !== null && (!Number.isInteger(maxTokens) || maxTokens < 1))
      throw new ApiError(400, '* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer.');
    const temp = field(gc, 'temperature');
    if (temp !== undefined && (typeof temp !== 'number' || temp < 0 || temp > 2))
      throw new ApiError(400, '* GenerateContentRequest.generation_config.temperature: must be in [0.0, 2.0].');

    const { text, cut } = limitWords(replyText(lastUser, systemChars), maxTokens);
    const finishReason = cut ? 'MAX_TOKENS' : 'STOP';
    const completionTokens = countWords(text);
    const usageMetadata = { promptTokenCount: promptTokens, candidatesTokenCount: completionTokens, totalTokenCount: promptTokens + completionTokens };
    const meta = { modelVersion: model, responseId: crypto.randomBytes(12).toString('base64url') };
    const candidate = (t, last) => ({ content: { parts: [{ text: t }], role: 'model' }, ...(last ? { finishReason } : {}), index: 0 });

    if (!stream) {
      sendJson(res, 200, { candidates: [candidate(text, true)], usageMetadata, ...meta });
      return;
    }
    const ps = pieces(text);
    const chunks = ps.map((p, i) => {
      const last = i === ps.length - 1;
      return {
        candidates: [candidate(p, last)],
        usageMetadata: last ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
        ...meta,
      };
    });
    if (query.get('alt') === 'sse') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (const c of chunks) if (!(await writeSplit(res, `data: ${JSON.stringify(c)}\r\n\r\n`))) return;
    } else {
      // Without alt=sse the stream is one JSON array, sent piece by piece.
      res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
      for (let i = 0; i < chunks.length; i++) {
        const text = (i === 0 ? '[' : '\n,\r\n') + JSON.stringify(chunks[i], null, 2) + (i === chunks.length - 1 ? '\n]' : '');
        if (!(await writeSplit(res, text))) return;
      }
    }
    res.end();
  }

  // ---- dispatch ----

  /** The route of PATHNAME: {provider, run} or {provider} when unknown. */
  function route(pathname) {
    if (pathname === '/v1/embeddings') return { provider: 'openai', run: openaiEmbeddings };
    if (pathname === '/v1/chat/completions') return { provider: 'openai', run: openaiChat };
    const m = pathname.match(/^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/);
    if (m) {
      const [, model, method] = m;
      const g = (fn) => ({ provider: 'google', model, run: fn });
      if (method === 'embedContent') return g(googleEmbed);
      if (method === 'batchEmbedContents') return g(googleBatchEmbed);
      if (method === 'generateContent') return g((req, res, body, mdl, q) => googleGenerate(req, res, body, mdl, false, q));
      if (method === 'streamGenerateContent') return g((req, res, body, mdl, q) => googleGenerate(req, res, body, mdl, true, q));
    }
    return { provider: pathname.startsWith('/v1beta/') ? 'google' : 'openai' };
  }

  /** The body as a Buffer, or null when over MAX_BODY (the rest is drained). */
  function readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
        else chunks.length = 0;
      });
      req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  async function handle(req, res, { skipBody = false } = {}) {
    const u = new URL(req.url, 'http://localhost');
    let pathname = u.pathname;
    try {
      pathname = decodeURIComponent(pathname);
    } catch {
      /* keep it raw */
    }
    const declared = Number(req.headers['content-length'] || 0);
    let raw = null;
    let tooLarge = skipBody || declared > MAX_BODY;
    if (skipBody) res.setHeader('Connection', 'close');
    else {
      try {
        raw = await readBody(req);
      } catch {
        return; // the client went away
      }
      if (raw === null) tooLarge = true;
    }
    const text = raw === null ? null : raw.toString('utf8');
    let body = text;
    let parsed;
    if (text !== null && text !== '') {
      try {
        parsed = JSON.parse(text);
        body = parsed;
      } catch {
        /* recorded raw */
      }
    }
    requests.push({
      method: req.method,
      path: pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...req.headers },
      body,
    });

    const r = route(pathname);
    await wait(delayMs);
    if (res.destroyed || closing) return;

    const fail = failures.find((f) => f.left > 0 && (pathname + u.search).includes(f.sub));
    if (fail) {
      fail.left--;
      return sendError(res, r.provider, fail.status);
    }
    if (tooLarge) return sendError(res, r.provider, 413, `Request body too large: the limit is ${MAX_BODY} bytes.`);
    if (!r.run) {
      const msg = r.provider === 'google' ? `Requested entity was not found: ${req.method} ${pathname}` : `Invalid URL (${req.method} ${pathname})`;
      return sendError(res, r.provider, 404, msg);
    }
    if (req.method !== 'POST') return sendError(res, r.provider, 405, `Method ${req.method} not allowed for ${pathname}; use POST.`);
    try {
      if (r.provider === 'google') checkGoogleKey(req, u.searchParams);
      else checkOpenaiKey(req);
      if (!isObject(parsed)) {
        if (r.provider === 'google')
          throw new ApiError(400, 'Invalid JSON payload received. Expected a JSON object as the request body.');
        throw new ApiError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        );
      }
      await r.run(req, res, parsed, r.model, u.searchParams);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(res, r.provider, err.status, err.message, err.extra);
    }
  }

  const onRequest = (req, res, o) =>
    handle(req, res, o).catch((err) => {
      if (!res.headersSent) sendError(res, 'openai', 500, `fake_providers: ${err.stack || err}`);
      else res.destroy();
    });

  const server = http.createServer((req, res) => onRequest(req, res));
  // libcurl sends "Expect: 100-continue" for larger bodies: refuse an
  // oversized one before it is sent rather than reading it all.
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length'] || 0) > MAX_BODY) return onRequest(req, res, { skipBody: true });
    res.writeContinue();
    onRequest(req, res);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The next COUNT requests whose path (with query) contains SUB get STATUS. */
    failNext(sub, status, count = 1) {
      failures.push({ sub, status, left: count });
    },
    /** The next OpenAI chat answer is TEXT. */
    replyNext(text) {
      scripted.push(text);
    },
    /** Stops listening, cuts open connections and pending delays. */
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

// ---- self-check: node tests/integration/fake_providers.mjs ----

if (import.meta.url === `file://${process.argv[1]}`) {
  const assert = (await import('node:assert/strict')).default;

  const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
  /** The parsed data: payloads of an SSE body split on SEP. */
  const sseData = (text, sep) =>
    text
      .split(sep)
      .filter((b) => b.trim())
      .map((b) => {
        assert.ok(b.startsWith('data: '), `not an SSE data line: ${JSON.stringify(b)}`);
        return b.slice(6);
      });

  const fake = await startFakeProviders();
  try {
    const { url } = fake;
    const oaHeaders = { 'Content-Type': 'application/json', Authorization: 'Bearer test-openai-key' };
    const post = (path, body, headers = oaHeaders) =>
      fetch(url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

    // OpenAI embeddings
    let r = await post('/v1/embeddings', { model: 'm', input: ['Two Sum with a hash map', 'two sum hash', 'graph coloring dp', ''] });
    assert.equal(r.status, 200);
    let j = await r.json();
    assert.equal(j.object, 'list');
    assert.equal(j.model, 'm');
    assert.equal(j.data.length, 4);
    j.data.forEach((d, i) => {
      assert.equal(d.object, 'embedding');
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 384);
      assert.ok(Math.abs(dot(d.embedding, d.embedding) - 1) < 1e-9);
    });
    const [e0, e1, e2, e3] = j.data.map((d) => d.embedding);
    assert.ok(dot(e0, e1) > 0.5 && dot(e0, e1) > dot(e0, e2) + 0.3, 'shared words are similar');
    assert.equal(e3[0], 1);
    assert.deepEqual(e0, fakeEmbedding('two SUM, with a hash-map!', 384));
    assert.ok(Number.isInteger(j.usage.prompt_tokens) && j.usage.total_tokens === j.usage.prompt_tokens);

    r = await post('/v1/embeddings', { model: 'm', input: 'two sum', encoding_format: 'base64' });
    j = await r.json();
    const raw = Buffer.from(j.data[0].embedding, 'base64'); // little-endian float32s
    const b64 = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    assert.equal(b64.length, 384);
    assert.ok(fakeEmbedding('two sum', 384).every((x, i) => Math.abs(x - b64[i]) < 1e-6));

    for (const bad of [{ input: 'x' }, { model: 'm' }, { model: 'm', input: new Array(2049).fill('a') }]) {
      r = await post('/v1/embeddings', bad);
      assert.equal(r.status, 400);
      assert.equal((await r.json()).error.type, 'invalid_request_error');
    }
    r = await post('/v1/embeddings', { model: 'm', input: 'x' }, { 'Content-Type': 'application/json' });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'invalid_api_key');
    r = await post('/v1/embeddings', { model: 'm', input: 'x' }, { Authorization: 'Bearer wrong-key-123' });
    assert.equal(r.status, 401);
    j = await r.json();
    assert.equal(j.error.type, 'invalid_request_error');
    assert.ok(!j.error.message.includes('wrong-key-123'));

    // OpenAI chat, plain and streamed
    const messages = [
      { role: 'system', content: 'You are a tutor.' },
      { role: 'system', content: 'Context: arrays.' },
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: 'How does two-sum work?' },
    ];
    const expected = 'FAKE-LLM reply to: How does two-sum work?. Context chars: 32.';
    r = await post('/v1/chat/completions', { model: 'gpt-x', messages, temperature: 0.2, max_tokens: 500 });
    assert.equal(r.status, 200);
    j = await r.json();
    assert.match(j.id, /^chatcmpl-/);
    assert.equal(j.object, 'chat.completion');
    assert.ok(Number.isInteger(j.created));
    assert.equal(j.choices[0].message.role, 'assistant');
    assert.equal(j.choices[0].message.content, expected);
    assert.equal(j.choices[0].finish_reason, 'stop');
    assert.equal(j.usage.total_tokens, j.usage.prompt_tokens + j.usage.completion_tokens);

    r = await post('/v1/chat/completions', { model: 'gpt-x', messages: [{ role: 'user', content: 'x'.repeat(300) }], max_tokens: 4 });
    j = await r.json();
    assert.equal(j.choices[0].finish_reason, 'length');
    assert.equal(j.choices[0].message.content, `FAKE-LLM reply to: ${'x'.repeat(200)}.`);

    r = await post('/v1/chat/completions', { model: 'gpt-x', messages, stream: true });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    let data = sseData(await r.text(), '\n\n');
    assert.equal(data.pop(), '[DONE]');
    let chunks = data.map((d) => JSON.parse(d));
    assert.ok(chunks.length >= 4);
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const last = chunks.at(-1).choices[0];
    assert.deepEqual(last.delta, {});
    assert.equal(last.finish_reason, 'stop');
    assert.equal(chunks.map((c) => c.choices[0].delta.content || '').join(''), expected);
    assert.ok(chunks.slice(1, -1).every((c) => c.choices[0].finish_reason === null && c.choices[0].delta.content));

    r = await post('/v1/chat/completions', { model: 'gpt-x', messages: [] });
    assert.equal(r.status, 400);

    // Gemini embeddings
    const gHeaders = { 'Content-Type': 'application/json', 'x-goog-api-key': 'test-google-key' };
    r = await post('/v1beta/models/text-embedding-004:embedContent', { content: { parts: [{ text: 'two sum hash' }] }, taskType: 'RETRIEVAL_QUERY' }, gHeaders);
    assert.equal(r.status, 200);
    j = await r.json();
    assert.deepEqual(j.embedding.values, e1);
    r = await post(
      '/v1beta/models/text-embedding-004:batchEmbedContents?key=test-google-key',
      {
        requests: [
          { model: 'models/text-embedding-004', content: { parts: [{ text: 'two sum hash' }] }, task_type: 'RETRIEVAL_DOCUMENT' },
          { model: 'models/text-embedding-004', content: { parts: [{ text: '' }] }, outputDimensionality: 8 },
        ],
      },
      { 'Content-Type': 'application/json' },
    );
    assert.equal(r.status, 200);
    j = await r.json();
    assert.equal(j.embeddings.length, 2);
    assert.deepEqual(j.embeddings[0].values, e1);
    assert.deepEqual(j.embeddings[1].values, [1, 0, 0, 0, 0, 0, 0, 0]);
    r = await post('/v1beta/models/m:batchEmbedContents', { requests: [{ model: 'models/other', content: { parts: [{ text: 'a' }] } }] }, gHeaders);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.status, 'INVALID_ARGUMENT');

    r = await post('/v1beta/models/m:embedContent', { content: { parts: [{ text: 'a' }] } }, { 'Content-Type': 'application/json' });
    assert.equal(r.status, 403);
    assert.deepEqual(Object.keys((await r.json()).error), ['code', 'message', 'status']);
    r = await post('/v1beta/models/m:embedContent?key=nope', { content: { parts: [{ text: 'a' }] } }, { 'Content-Type': 'application/json' });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.details[0].reason, 'API_KEY_INVALID');

    // Gemini chat, plain and streamed
    const gBody = {
      system_instruction: { parts: [{ text: 'You are a tutor.' }, { text: 'Context: arrays.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'first question' }] },
        { role: 'model', parts: [{ text: 'an answer' }] },
        { role: 'user', parts: [{ text: 'How does two-sum work?' }] },
      ],
      generationConfig: { temperature: 0.2, maxOutputTokens: 500 },
    };
    r = await post('/v1beta/models/gemini-x:generateContent', gBody, gHeaders);
    assert.equal(r.status, 200);
    j = await r.json();
    assert.equal(j.candidates[0].content.role, 'model');
    assert.equal(j.candidates[0].content.parts[0].text, expected);
    assert.equal(j.candidates[0].finishReason, 'STOP');
    assert.equal(j.candidates[0].index, 0);
    assert.equal(j.usageMetadata.totalTokenCount, j.usageMetadata.promptTokenCount + j.usageMetadata.candidatesTokenCount);

    r = await post('/v1beta/models/gemini-x:generateContent', { ...gBody, max_tokens: 5 }, gHeaders);
    assert.equal(r.status, 400, 'Google rejects unknown fields');

    r = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', gBody, gHeaders);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const sseText = await r.text();
    assert.ok(sseText.endsWith('\r\n\r\n') && !sseText.includes('[DONE]'));
    chunks = sseData(sseText, '\r\n\r\n').map((d) => JSON.parse(d));
    assert.ok(chunks.length >= 3);
    assert.equal(chunks.map((c) => c.candidates[0].content.parts[0].text).join(''), expected);
    assert.equal(chunks.at(-1).candidates[0].finishReason, 'STOP');
    assert.ok(chunks.slice(0, -1).every((c) => c.candidates[0].finishReason === undefined));

    r = await post('/v1beta/models/gemini-x:streamGenerateContent', gBody, gHeaders);
    chunks = await r.json();
    assert.equal(chunks.map((c) => c.candidates[0].content.parts[0].text).join(''), expected);

    // failNext: 429 then success; a Gemini 503
    fake.failNext('/v1/embeddings', 429, 2);
    for (let i = 0; i < 2; i++) {
      r = await post('/v1/embeddings', { model: 'm', input: 'a' });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '0');
      assert.equal((await r.json()).error.code, 'rate_limit_exceeded');
    }
    r = await post('/v1/embeddings', { model: 'm', input: 'a' });
    assert.equal(r.status, 200);
    fake.failNext('streamGenerateContent', 503, 1);
    r = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', gBody, gHeaders);
    assert.equal(r.status, 503);
    assert.deepEqual((await r.json()).error, { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' });

    // 404, malformed JSON, 413, 405
    r = await post('/v1/nothing', {});
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.type, 'invalid_request_error');
    r = await post('/v1beta/models/m:doSomething', {}, gHeaders);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.status, 'NOT_FOUND');
    r = await post('/v1/chat/completions', '{"model": "x", messages: ');
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /parse the JSON/);
    r = await post('/v1beta/models/m:generateContent', '{oops', gHeaders);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.status, 'INVALID_ARGUMENT');
    r = await post('/v1/embeddings', JSON.stringify({ model: 'm', input: 'x'.repeat(MAX_BODY) }));
    assert.equal(r.status, 413);
    r = await fetch(url + '/v1/embeddings', { headers: oaHeaders });
    assert.equal(r.status, 405);

    // The record
    const rec = fake.requests.find((q) => q.path.endsWith(':batchEmbedContents') && q.query.key);
    assert.equal(rec.method, 'POST');
    assert.equal(rec.headers['content-type'], 'application/json');
    assert.equal(rec.body.requests.length, 2);
    assert.equal(fake.requests.find((q) => typeof q.body === 'string').body, '{"model": "x", messages: ');
    assert.equal(fake.requests.at(-2).body, null); // the 413 one
  } finally {
    await fake.close();
  }

  // delayMs: a client timeout fires first; close() cuts the pending reply
  const slow = await startFakeProviders({ delayMs: 2000, apiKey: 'k2' });
  const t0 = Date.now();
  await assert.rejects(
    fetch(slow.url + '/v1/embeddings', {
      method: 'POST',
      headers: { Authorization: 'Bearer k2' },
      body: JSON.stringify({ model: 'm', input: 'a' }),
      signal: AbortSignal.timeout(100),
    }),
    /TimeoutError|aborted/i,
  );
  assert.ok(Date.now() - t0 < 1500);
  await slow.close();

  console.log('fake_providers: ok');
  process.exit(0);
}
