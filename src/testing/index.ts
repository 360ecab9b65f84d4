/// <reference types="node" preserve="true" />
// h2wire/testing: tools for tests of HTTP/2 frame handling. Fluent frame
// builders for hand-made (also illegal) frames, fast-check arbitraries for
// property-based tests (fast-check is a peer dependency of this entry point
// only), and h2wire check's conformance cases, to run against any server.
export * from './frame-arbitraries.js';
export * from './frame-builders.js';
export { CASES as CHECK_CASES, type CheckCase, type CheckContext, type Verdict } from '../check/cases.js';
export { type CaseResult, type CheckOptions, type CheckReport, formatReport, runChecks } from '../check/run.js';
export { CheckPeer } from '../check/peer.js';
export { type ConversationOptions, type ConversationReport, runConversations } from '../check/conversation.js';
