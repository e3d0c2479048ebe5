// OTLP traffic shared by otel.test.mjs and tools/capture-otlp.mjs: the same
// code produces the fixtures under fixtures/otlp/ and the requests the tests
// send to a live server, so the fixtures describe exactly what is tested.
//
//   runLangfuseScenario()  @langfuse/tracing + @langfuse/otel (OTLP/HTTP JSON)
//   runGenAiScenario()     a plain OpenTelemetry tracer with gen_ai.* attributes,
//                          exported with exporter-trace-otlp-proto (protobuf) or
//                          exporter-trace-otlp-http (JSON)
//
// Names and values are fixed; only ids, times and the `tag` (for userId and
// sessionId) vary between runs.

import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, setLangfuseTracerProvider, startActiveObservation, startObservation } from '@langfuse/tracing';

export const OTLP_PATH = '/api/public/otel/v1/traces';

function basic(publicKey, secretKey) {
  return 'Basic ' + Buffer.from(`${publicKey}:${secretKey}`).toString('base64');
}

/**
 * Wrap a SpanExporter so every export result ({code, error}) is pushed to
 * `results` (code 0 = SUCCESS, 1 = FAILED): BatchSpanProcessor.forceFlush()
 * resolves even when the export failed.
 */
export function recordingExporter(inner, results) {
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        results.push({ code: result.code, error: result.error, spans: spans.length });
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------
// Langfuse SDK scenario

export const LF = {
  serviceName: 'lanterne-compat-otel',
  environment: 'compat',
  release: 'otel-compat-1.0.0',
  traceName: 'otel-rag-agent',
  tags: ['compat', 'otel'],
  traceMetadata: { tenant: 'acme' },
  root: {
    name: 'rag-request',
    input: { question: 'What is the capital of France?' },
    output: { answer: 'Paris.' },
    metadata: { feature: 'qa' },
  },
  agent: {
    name: 'planner',
    input: { goal: 'answer the question' },
    output: { plan: ['search', 'weather', 'answer'] },
  },
  retriever: {
    name: 'vector-search',
    input: { query: 'capital of France', k: 2 },
    output: [
      { id: 'doc-1', score: 0.92 },
      { id: 'doc-2', score: 0.81 },
    ],
  },
  embedding: {
    name: 'embed-query',
    model: 'text-embedding-3-small',
    input: 'capital of France',
    output: { dimensions: 1536 },
    usageDetails: { input: 4 },
  },
  tool: {
    name: 'get-weather',
    input: { city: 'Paris' },
    output: { tempC: 21, sky: 'clear' },
  },
  generation: {
    name: 'answer',
    model: 'gpt-4o-mini',
    modelParameters: { temperature: 0.2, max_tokens: 256 },
    input: [
      { role: 'system', content: 'Answer in one word.' },
      { role: 'user', content: 'What is the capital of France?' },
    ],
    output: { role: 'assistant', content: 'Paris.' },
    usageDetails: { input: 42, output: 7 },
  },
  failing: {
    name: 'flaky-step',
    input: { attempt: 1 },
    error: 'quota exceeded for tool lookup',
  },
};

/** The Langfuse-side identity of the scenario for a given run tag. */
export function langfuseIdentity(tag) {
  return { userId: `otel-user-${tag}`, sessionId: `otel-session-${tag}` };
}

/**
 * A NodeTracerProvider with @langfuse/otel's LangfuseSpanProcessor, registered
 * globally (context manager for startActiveObservation) and as the Langfuse
 * tracer provider. Call once per process.
 */
export function createLangfuseProvider({ baseUrl, publicKey, secretKey, exportMode = 'batched' }) {
  const processor = new LangfuseSpanProcessor({
    baseUrl,
    publicKey,
    secretKey,
    environment: LF.environment,
    release: LF.release,
    exportMode,
    flushAt: 1000,
    flushInterval: 3600,
    timeout: 30,
    mediaUploadEnabled: false,
  });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': LF.serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  setLangfuseTracerProvider(provider);
  return { provider, processor };
}

/**
 * Create one nested trace through @langfuse/tracing:
 *
 *   rag-request (span)                 trace attrs via propagateAttributes
 *   ├── planner (agent)
 *   │   ├── vector-search (retriever)
 *   │   │   └── embed-query (embedding, model + usage)
 *   │   └── get-weather (tool)
 *   ├── answer (generation, model, modelParameters, usage)
 *   └── flaky-step (span, throws → status ERROR)
 *
 * Returns {traceId, ids: {root, agent, retriever, embedding, tool, generation, failing}}.
 * The caller flushes (processor.forceFlush()).
 */
export async function runLangfuseScenario(tag) {
  const { userId, sessionId } = langfuseIdentity(tag);
  const ids = {};
  let traceId;
  await propagateAttributes(
    { userId, sessionId, tags: LF.tags, traceName: LF.traceName, metadata: LF.traceMetadata },
    () =>
      startActiveObservation(LF.root.name, async (root) => {
        traceId = root.traceId;
        ids.root = root.id;
        root.update({ input: LF.root.input, metadata: LF.root.metadata });

        await startActiveObservation(
          LF.agent.name,
          async (agent) => {
            ids.agent = agent.id;
            agent.update({ input: LF.agent.input });
            await startActiveObservation(
              LF.retriever.name,
              async (retriever) => {
                ids.retriever = retriever.id;
                retriever.update({ input: LF.retriever.input });
                const emb = startObservation(
                  LF.embedding.name,
                  { model: LF.embedding.model, input: LF.embedding.input, usageDetails: LF.embedding.usageDetails },
                  { asType: 'embedding' },
                );
                ids.embedding = emb.id;
                emb.update({ output: LF.embedding.output }).end();
                retriever.update({ output: LF.retriever.output });
              },
              { asType: 'retriever' },
            );
            const tool = startObservation(LF.tool.name, { input: LF.tool.input }, { asType: 'tool' });
            ids.tool = tool.id;
            tool.update({ output: LF.tool.output }).end();
            agent.update({ output: LF.agent.output });
          },
          { asType: 'agent' },
        );

        const gen = startObservation(
          LF.generation.name,
          {
            model: LF.generation.model,
            modelParameters: LF.generation.modelParameters,
            input: LF.generation.input,
          },
          { asType: 'generation' },
        );
        ids.generation = gen.id;
        gen.update({ output: LF.generation.output, usageDetails: LF.generation.usageDetails }).end();

        try {
          await startActiveObservation(LF.failing.name, async (span) => {
            ids.failing = span.id;
            span.update({ input: LF.failing.input });
            throw new Error(LF.failing.error);
          });
        } catch (err) {
          if (err.message !== LF.failing.error) throw err;
        }

        root.update({ output: LF.root.output });
      }),
  );
  return { traceId, ids };
}

// ---------------------------------------------------------------------------
// Plain OpenTelemetry GenAI scenario

export const GENAI = {
  serviceName: 'genai-compat-app',
  scopeName: 'compat-genai-instrumentation',
  scopeVersion: '0.1.0',
  rootName: 'genai-workflow',
  chatName: 'chat gpt-4o',
  requestModel: 'gpt-4o',
  responseModel: 'gpt-4o-2024-08-06',
  system: 'openai',
  temperature: 0.7,
  maxTokens: 300,
  inputTokens: 31,
  outputTokens: 12,
  inputMessages: [
    { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'Name a prime number.' }] },
  ],
  outputMessages: [
    { role: 'assistant', parts: [{ type: 'text', content: '7' }], finish_reason: 'stop' },
  ],
  customKey: 'app.custom_flag',
  customValue: 'blue-42',
  // Fixed times keep the fixtures stable.
  rootStart: new Date('2025-03-01T10:00:00.000Z'),
  chatStart: new Date('2025-03-01T10:00:00.100Z'),
  chatEnd: new Date('2025-03-01T10:00:01.350Z'),
  rootEnd: new Date('2025-03-01T10:00:01.500Z'),
};

/** gen_ai.* attributes of the chat span. */
export function genAiChatAttributes() {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': GENAI.system,
    'gen_ai.request.model': GENAI.requestModel,
    'gen_ai.response.model': GENAI.responseModel,
    'gen_ai.request.temperature': GENAI.temperature,
    'gen_ai.request.max_tokens': GENAI.maxTokens,
    'gen_ai.usage.input_tokens': GENAI.inputTokens,
    'gen_ai.usage.output_tokens': GENAI.outputTokens,
    'gen_ai.input.messages': JSON.stringify(GENAI.inputMessages),
    'gen_ai.output.messages': JSON.stringify(GENAI.outputMessages),
    [GENAI.customKey]: GENAI.customValue,
  };
}

/**
 * Export a two-span trace (root "genai-workflow" → child "chat gpt-4o" with
 * gen_ai.* attributes) through a plain, unregistered NodeTracerProvider.
 * encoding: 'proto' (exporter-trace-otlp-proto) or 'json' (exporter-trace-otlp-http).
 * Resolves after forceFlush and shutdown, with {traceId, rootId, chatId, results}.
 */
export async function runGenAiScenario({ url, publicKey, secretKey, encoding, variant = encoding }) {
  const Exporter = encoding === 'proto' ? OTLPTraceExporterProto : OTLPTraceExporterHttp;
  const inner = new Exporter({
    url,
    headers: publicKey ? { Authorization: basic(publicKey, secretKey) } : {},
    timeoutMillis: 30_000,
  });
  const results = [];
  const exporter = recordingExporter(inner, results);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': GENAI.serviceName,
      'compat.variant': variant,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 1000, scheduledDelayMillis: 3_600_000 })],
  });
  const tracer = provider.getTracer(GENAI.scopeName, GENAI.scopeVersion);
  const root = tracer.startSpan(GENAI.rootName, { startTime: GENAI.rootStart, attributes: { 'compat.variant': variant } }, context.active());
  const ctx = trace.setSpan(context.active(), root);
  const chat = tracer.startSpan(
    GENAI.chatName,
    { startTime: GENAI.chatStart, attributes: genAiChatAttributes(), kind: 2 /* CLIENT */ },
    ctx,
  );
  chat.setStatus({ code: SpanStatusCode.OK });
  chat.end(GENAI.chatEnd);
  root.end(GENAI.rootEnd);
  const ids = {
    traceId: root.spanContext().traceId,
    rootId: root.spanContext().spanId,
    chatId: chat.spanContext().spanId,
  };
  await provider.forceFlush();
  await provider.shutdown();
  return { ...ids, results };
}
