// Every label an HTTP/2 error of h2wire's can carry, with what it means.
// A label names the rule that was broken (or the limit passed), as Go's
// countError names do: tests assert labels, logs and the trace show them,
// and a GOAWAY's debug data starts with one. Messages may be reworded;
// labels are kept. The rules themselves live in their rooms (frame-rules.ts,
// stream-states.ts, message-rules.ts, ...); this is the catalogue, and the
// type that makes a label not listed here a compile error. README lists it.

export const ERROR_LABELS = {
  // ---- the connection preface and SETTINGS (RFC 9113 §3.4, §6.5) ----------
  preface_invalid: 'the first octets are not the client connection preface (§3.4)',
  preface_not_settings: 'the peer’s preface did not begin with a SETTINGS frame (§3.4)',
  preface_timeout: 'no preface and SETTINGS within timeouts.prefaceMs (§3.4)',
  settings_timeout: 'our SETTINGS not acknowledged within timeouts.settingsAckMs (§6.5.3)',
  settings_ack_with_payload: 'a SETTINGS ACK with a payload (§6.5)',
  settings_length: 'a SETTINGS payload not a multiple of 6 octets (§6.5)',
  settings_enable_push: 'SETTINGS_ENABLE_PUSH other than 0 or 1 (§6.5.2)',
  settings_initial_window_size: 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1 (§6.5.2)',
  settings_max_frame_size: 'SETTINGS_MAX_FRAME_SIZE outside 2^14..2^24-1 (§6.5.2)',
  enable_push_from_server: 'a server sent SETTINGS_ENABLE_PUSH=1 (§6.5.2)',

  // ---- one frame by itself (§4, §6; src/frames/frame-rules.ts) -------------
  frame_too_large: 'a frame longer than our SETTINGS_MAX_FRAME_SIZE (§4.2)',
  frame_too_short: 'a frame too short for its mandatory fields (§4.2)',
  frame_needs_stream: 'a stream’s frame type on stream 0 (§6)',
  frame_needs_stream_0: 'SETTINGS, PING or GOAWAY on a stream (§6.5, §6.7, §6.8)',
  padding_too_long: 'a Pad Length that leaves no room for the payload (§6.1, §6.2, §6.6)',
  priority_length: 'a PRIORITY frame not 5 octets long: a stream error (§6.3)',
  rst_stream_length: 'an RST_STREAM frame not 4 octets long (§6.4)',
  ping_length: 'a PING frame not 8 octets long (§6.7)',
  goaway_length: 'a GOAWAY frame shorter than 8 octets (§6.8)',
  window_update_length: 'a WINDOW_UPDATE frame not 4 octets long (§6.9)',
  window_update_zero: 'a WINDOW_UPDATE increment of 0 (§6.9)',
  push_promise_bad_id: 'a PUSH_PROMISE promising stream 0 or an odd stream (§5.1.1, §6.6)',
  self_dependency: 'a stream made dependent on itself (RFC 7540 §5.3.1)',
  truncated_input: 'decodeFrames() given octets that end inside a frame',

  // ---- stream states (§5.1; src/connection/stream-states.ts) ---------------
  frame_on_idle_stream: 'a frame other than HEADERS or PRIORITY on an idle stream (§5.1)',
  frame_on_reserved_stream: 'a frame a reserved stream may not receive (§5.1)',
  frame_after_end_stream: 'a frame after the peer’s END_STREAM (half-closed (remote), §5.1)',
  data_on_closed_stream: 'DATA on a closed stream (§5.1, §6.1)',
  headers_on_closed_stream: 'HEADERS on a closed stream (§5.1)',
  promised_stream_not_idle: 'a PUSH_PROMISE reserving a stream that is not idle (§5.1, §6.6)',
  push_promise_on_bad_stream: 'a PUSH_PROMISE on a stream that cannot carry one (§6.6)',

  // ---- stream identifiers and concurrency (§5.1.1, §5.1.2) -----------------
  stream_id_not_peers: 'HEADERS opening a stream id only we may open (§5.1.1)',
  stream_id_not_increasing: 'a new stream id not above the peer’s last one (§5.1.1)',
  headers_on_unpromised_stream: 'a server’s HEADERS on an even stream it never promised (§5.1, §8.4)',
  refused_stream: 'a stream over our SETTINGS_MAX_CONCURRENT_STREAMS, refused (§5.1.2)',

  // ---- field blocks (§4.3, §6.10) -----------------------------------------
  continuation_without_block: 'CONTINUATION with no HEADERS or PUSH_PROMISE before it (§6.10)',
  field_block_interrupted: 'another frame inside a field block (§4.3, §6.10)',
  field_block_too_large: 'a field block over limits.maxHeaderBlockBytes',
  too_many_continuations: 'a field block of more than limits.maxContinuations CONTINUATIONs',
  field_block_timeout: 'a field block not completed within timeouts.headerBlockMs (§6.10)',
  field_list_too_large: 'a field section over our SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2, §10.5.1)',

  // ---- HPACK (RFC 7541; src/hpack/errors.ts) -------------------------------
  hpack_truncated: 'a header block ending inside a representation (RFC 7541 §5.1, §5.2)',
  hpack_integer_too_large: 'an HPACK integer past our limit (RFC 7541 §5.1)',
  hpack_string_too_long: 'a name or value that alone exceeds the header list limit (RFC 7541 §7.4)',
  hpack_invalid_index: 'an index of 0 or past the tables (RFC 7541 §2.3.3)',
  hpack_invalid_huffman: 'Huffman data with EOS or bad padding (RFC 7541 §5.2)',
  hpack_size_update_misplaced: 'a dynamic table size update after a field (RFC 7541 §4.2)',
  hpack_size_update_too_large: 'a table size update above our SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3)',
  hpack_size_update_missing: 'no size update after we lowered the table size (RFC 9113 §4.3.1)',
  hpack_header_list_too_large: 'a header list over our limit, decoded in full to keep HPACK in step',
  hpack_too_many_fields: 'more fields than limits.maxFieldCount, decoded in full',
  hpack_unexpected: 'a header block hpack.js failed on in a way not named above',

  // ---- HTTP messages (§8; src/connection/message-rules.ts): a stream error --
  empty_field_name: 'an empty field name (§8.2.1)',
  uppercase_field_name: 'a field name with uppercase characters (§8.2)',
  invalid_field_name: 'a field name with a character that is not a token character (§8.2.1)',
  invalid_field_value: 'a field value with NUL, CR or LF (§8.2.1)',
  field_value_whitespace: 'a field value starting or ending with whitespace (§8.2.1)',
  connection_specific_field: 'a connection-specific field such as connection or keep-alive (§8.2.2)',
  te_not_trailers: 'te other than "trailers" (§8.2.2)',
  pseudo_in_trailers: 'a pseudo-header in trailers (§8.1)',
  undefined_pseudo_header: 'a pseudo-header not defined for a request or response (§8.3)',
  pseudo_after_regular: 'a pseudo-header after a regular field (§8.3)',
  repeated_pseudo_header: 'a pseudo-header twice (§8.3)',
  missing_method: 'a request without :method (§8.3.1)',
  method_not_token: 'a :method that is not a token (RFC 9110 §9.1)',
  missing_scheme: 'a request without :scheme (§8.3.1)',
  scheme_invalid: 'a :scheme that is not a URI scheme (RFC 3986 §3.1)',
  missing_path: 'a request without :path (§8.3.1)',
  empty_path: 'an empty :path (§8.3.1)',
  asterisk_path: ':path "*" on a request other than OPTIONS (§8.3.1)',
  path_not_absolute: 'a :path not starting with "/" (§8.3.1)',
  authority_with_userinfo: 'an :authority with userinfo (§8.3.1)',
  host_authority_mismatch: 'host and :authority that differ (§8.3.1)',
  connect_with_scheme_or_path: 'CONNECT with :scheme or :path (§8.5)',
  connect_without_authority: 'CONNECT without :authority (§8.5)',
  protocol_without_connect: ':protocol on a method other than CONNECT (RFC 8441 §4)',
  push_method_unsafe: 'a promised request that is not safe and cacheable (§8.4)',
  push_without_authority: 'a promised request without :authority (§8.4)',
  push_with_content: 'a promised request with content (§8.4)',
  missing_status: 'a response without :status (§8.3.2)',
  status_invalid: 'a :status that is not 100-599 (RFC 9110 §15)',
  status_101: ':status 101, which HTTP/2 does not have (§8.6)',
  informational_end_stream: 'an informational (1xx) response with END_STREAM (§8.1)',
  trailers_without_end_stream: 'a trailer section without END_STREAM (§8.1)',
  content_length_invalid: 'a content-length that is not a decimal number (RFC 9110 §8.6)',
  content_length_conflict: 'two different content-length values (RFC 9110 §8.6)',
  content_length_mismatch: 'DATA not adding up to content-length (§8.1.1)',

  // ---- flow control (§6.9) -------------------------------------------------
  connection_window_exceeded: 'DATA beyond the connection’s receive window (§6.9.1)',
  stream_window_exceeded: 'DATA beyond a stream’s receive window (§6.9.1)',
  connection_window_overflow: 'a WINDOW_UPDATE pushing the connection’s send window past 2^31-1 (§6.9.1)',
  stream_window_overflow: 'a WINDOW_UPDATE pushing a stream’s send window past 2^31-1 (§6.9.1)',
  initial_window_overflow: 'a SETTINGS_INITIAL_WINDOW_SIZE change pushing a window past 2^31-1 (§6.9.2)',

  // ---- server push (§8.4, §6.6) ---------------------------------------------
  push_promise_from_client: 'a client sent PUSH_PROMISE (§8.4)',
  push_promise_when_disabled: 'PUSH_PROMISE after we set SETTINGS_ENABLE_PUSH=0 (§6.6)',

  // ---- abuse, budgets and deadlines (§10.5; src/connection/abuse-limits.ts) --
  flood_useless_frames: 'too many frames that move nothing forward: PING, SETTINGS, PRIORITY, empty DATA, ... (CVE-2019-9512/9515/9518)',
  flood_resets: 'too many streams reset by the peer (Rapid Reset, CVE-2023-44487; CVE-2019-9514)',
  flood_stream_errors: 'too many streams reset for errors the peer caused (MadeYouReset, CVE-2025-8671)',
  control_frames_piling_up: 'answers queued for a peer that does not read (CVE-2019-9512/9515)',
  held_over_budget: 'more held for the peer than limits.maxHeldBytes',
  send_stall: 'DATA waiting on windows the peer keeps shut past timeouts.sendStallMs (§6.9)',
  request_body_stalled: 'a request body with no DATA for timeouts.receiveStallMs: the stream is reset with CANCEL',

  // ---- not the peer's doing --------------------------------------------------
  internal_error: 'a fault in h2wire itself (a bug: please report it)',
  closed_by_application: 'the application closed the connection (close())',
} as const;

export type ErrorLabel = keyof typeof ERROR_LABELS;
