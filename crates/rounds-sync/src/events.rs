//! The live event stream, `GET /api/v1/events` (server-sent events; `docs/sync.md`).
//!
//! Two layers: [`SseParser`] is a pure, byte-fed parser of the `text/event-stream` format
//! (lines, fields, comments, multi-line data, CR/LF/CRLF endings, chunks split anywhere), and
//! [`subscribe`] wraps it around the HTTP body as a `Stream` of typed [`ServerEvent`]s.
//!
//! Events are hints that something changed, delivered fast. The pull remains the source of
//! truth: a client advances its pull cursor only from pulls, and after a stream error or end
//! it pulls, then resubscribes with the last event id it received.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use reqwest::Method;
use reqwest::header::{self, HeaderValue};
use rounds_core::wire::{Change, EventKind};

use crate::client::{Client, SyncError, send_checked, transport_error};

/// One event as the server sent it: `id` is the change's sequence, `kind` says what
/// happened, `change` is the entity's current state (the same JSON a pull returns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    pub id: i64,
    pub kind: EventKind,
    pub change: Change,
}

impl ServerEvent {
    /// Reads a parsed SSE event. An event that is not a Rounds change (no numeric id, an
    /// unknown event name, data that is not a `Change`) is a [`SyncError::Server`].
    pub fn from_sse(event: &SseEvent) -> Result<ServerEvent, SyncError> {
        let malformed = |what: String| SyncError::Server {
            status: 200,
            message: format!("unreadable event: {what}"),
        };
        let id = event
            .id
            .as_deref()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .ok_or_else(|| malformed(format!("id {:?} is not a sequence number", event.id)))?;
        let name = event.event.as_deref().unwrap_or("message");
        let kind =
            EventKind::parse(name).ok_or_else(|| malformed(format!("unknown event `{name}`")))?;
        let change: Change = serde_json::from_str(&event.data)
            .map_err(|e| malformed(format!("event {id} ({name}): {e}")))?;
        Ok(ServerEvent { id, kind, change })
    }
}

/// One dispatched event of the `text/event-stream` format, fields as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The last event id seen on the stream so far (ids carry over to later events, as the
    /// format specifies); `None` if there was none or it was reset by an empty `id:`.
    pub id: Option<String>,
    /// The `event:` name; `None` means the format's default, `message`.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// A line or an event larger than [`SseParser::MAX_EVENT_BYTES`]: the stream is not one
/// this client can read, and buffering more would only use memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event-stream event is larger than {limit} bytes")]
pub struct EventTooLarge {
    pub limit: usize,
}

/// A `text/event-stream` parser: feed it the body's bytes as they come, in chunks split
/// anywhere (even inside a UTF-8 character or a CRLF), and it returns each event once its
/// terminating blank line has arrived.
///
/// Follows the WHATWG event-stream rules: lines end with LF, CR or CRLF; a line starting with
/// `:` is a comment (the server's keep-alives); `field: value` drops one space after the
/// colon; `data` lines accumulate; a blank line dispatches, unless no data arrived; unknown
/// fields and `retry` are ignored; a leading byte-order mark is skipped. An event still
/// unterminated when the stream ends is never dispatched.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The current, unterminated line.
    line: Vec<u8>,
    /// The previous chunk ended with CR: an LF opening the next belongs to that line break.
    pending_lf: bool,
    /// The first line has been seen, so a byte-order mark is no longer expected.
    started: bool,
    data: String,
    event: String,
    last_id: String,
}

impl SseParser {
    /// The most a line, or an event's data, may hold. A ticket with the longest description
    /// is far below this.
    pub const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

    pub fn new() -> Self {
        Self::default()
    }

    /// Consumes `chunk`; returns the events it completed, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        let mut out = Vec::new();
        let mut rest = chunk;
        if self.pending_lf && !rest.is_empty() {
            self.pending_lf = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&rest[..i]);
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.line_done(&line)? {
                out.push(event);
            }
            // Reuse the allocation for the next line.
            self.line = line;
            self.line.clear();
            let cr = rest[i] == b'\r';
            rest = &rest[i + 1..];
            if cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.pending_lf = true,
                }
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > Self::MAX_EVENT_BYTES {
            return Err(EventTooLarge {
                limit: Self::MAX_EVENT_BYTES,
            });
        }
        Ok(out)
    }

    /// Handles one complete line (without its ending).
    fn line_done(&mut self, mut line: &[u8]) -> Result<Option<SseEvent>, EventTooLarge> {
        if !self.started {
            self.started = true;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(None);
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match field {
            b"data" => {
                self.data.push_str(&value);
                self.data.push('\n');
                if self.data.len() > Self::MAX_EVENT_BYTES {
                    return Err(EventTooLarge {
                        limit: Self::MAX_EVENT_BYTES,
                    });
                }
            }
            b"event" => self.event = value.into_owned(),
            b"id" if !value.contains('\0') => self.last_id = value.into_owned(),
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if self.data.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop(); // the '\n' after the last data line
        Some(SseEvent {
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            event: (!event.is_empty()).then_some(event),
            data,
        })
    }
}

/// The server's events, in order, as they arrive.
///
/// Yields `Ok` for each event. An event that cannot be read yields one
/// `Err(SyncError::Server { status: 200, .. })` and the stream goes on. A lost connection,
/// or silence longer than [`crate::ClientOptions::event_idle_timeout`], yields one
/// `Err(SyncError::Offline(_))` and ends the stream. When the server closes the stream (it
/// is shutting down), the stream ends without an error. Either way, reconnect with the last
/// id received.
pub struct EventStream {
    inner: BoxStream<'static, Result<ServerEvent, SyncError>>,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = Result<ServerEvent, SyncError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// Opens `GET /api/v1/events` with `client`'s token.
///
/// Without `last_id` the stream starts at the present. With `Some(n)` the server first
/// replays every visible change above `n` (each entity once, in its latest state), then goes
/// on live: pass the last event id received to resume, or a pull's cursor to follow a pull.
///
/// Fails as the other calls do when the stream cannot be opened (`Offline`, `Unauthorized`,
/// ...); waiting for the answer's headers is bounded by the request timeout.
pub async fn subscribe(client: &Client, last_id: Option<i64>) -> Result<EventStream, SyncError> {
    let mut rb = client
        .authed(Method::GET, "/api/v1/events")?
        .header(
            header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        )
        .header(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(id) = last_id {
        rb = rb.header("last-event-id", id.to_string());
    }
    let options = client.options();
    let res = tokio::time::timeout(options.request_timeout, send_checked(rb))
        .await
        .map_err(|_| {
            SyncError::Offline(format!(
                "the event stream did not answer within {} s",
                options.request_timeout.as_secs()
            ))
        })??;
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/event-stream") {
        return Err(SyncError::Server {
            status: res.status().as_u16(),
            message: format!("expected an event stream, got Content-Type `{content_type}`"),
        });
    }
    let reader = Reader {
        body: res.bytes_stream().boxed(),
        parser: SseParser::new(),
        ready: VecDeque::new(),
        done: false,
        idle_timeout: options.event_idle_timeout,
    };
    let inner = futures_util::stream::unfold(reader, |mut r| async move {
        r.next().await.map(|item| (item, r))
    })
    .boxed();
    Ok(EventStream { inner })
}

/// The state behind an [`EventStream`].
struct Reader {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    parser: SseParser,
    ready: VecDeque<Result<ServerEvent, SyncError>>,
    done: bool,
    idle_timeout: Duration,
}

impl Reader {
    async fn next(&mut self) -> Option<Result<ServerEvent, SyncError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            let next = tokio::time::timeout(self.idle_timeout, self.body.next()).await;
            match next {
                Ok(Some(Ok(chunk))) => match self.parser.feed(&chunk) {
                    Ok(events) => self.ready.extend(events.iter().map(ServerEvent::from_sse)),
                    Err(e) => {
                        self.done = true;
                        return Some(Err(SyncError::Server {
                            status: 200,
                            message: e.to_string(),
                        }));
                    }
                },
                // The server closed the stream.
                Ok(None) => self.done = true,
                Ok(Some(Err(e))) => {
                    self.done = true;
                    return Some(Err(transport_error(e)));
                }
                Err(_) => {
                    self.done = true;
                    return Some(Err(SyncError::Offline(format!(
                        "nothing from the event stream for {} s",
                        self.idle_timeout.as_secs_f32()
                    ))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: Option<&str>, event: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            id: id.map(Into::into),
            event: event.map(Into::into),
            data: data.into(),
        }
    }

    /// Feeds `input` in pieces of `size` bytes.
    fn feed_in(input: &[u8], size: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        input
            .chunks(size)
            .flat_map(|c| p.feed(c).unwrap())
            .collect()
    }

    const STREAM: &str = "id: 1250\nevent: ticket.status_changed\ndata: {\"a\":\"护士站\"}\n\n\
                          : keep-alive\n\n\
                          id: 1251\r\nevent: comment.added\r\ndata: first\r\ndata: second\r\n\r\n";

    #[test]
    fn reads_events_and_skips_comments() {
        let got = feed_in(STREAM.as_bytes(), STREAM.len());
        assert_eq!(
            got,
            vec![
                ev(
                    Some("1250"),
                    Some("ticket.status_changed"),
                    "{\"a\":\"护士站\"}"
                ),
                ev(Some("1251"), Some("comment.added"), "first\nsecond"),
            ]
        );
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let whole = feed_in(STREAM.as_bytes(), STREAM.len());
        // Every split, down to single bytes: inside UTF-8 characters and between CR and LF.
        for size in 1..=STREAM.len() {
            assert_eq!(feed_in(STREAM.as_bytes(), size), whole, "chunks of {size}");
        }
    }

    #[test]
    fn a_crlf_split_across_chunks_is_one_line_break() {
        let mut p = SseParser::new();
        assert!(p.feed(b"data: x\r").unwrap().is_empty());
        assert!(p.feed(b"").unwrap().is_empty());
        // Had the LF counted as a second line break, the event would dispatch here.
        assert!(p.feed(b"\n").unwrap().is_empty());
        assert_eq!(p.feed(b"\r\n").unwrap(), vec![ev(None, None, "x")]);
    }

    #[test]
    fn bare_cr_ends_lines() {
        assert_eq!(
            feed_in(b"event: a\rdata: 1\r\rdata: 2\r\r", 64),
            vec![ev(None, Some("a"), "1"), ev(None, None, "2")]
        );
    }

    #[test]
    fn field_values_lose_one_leading_space_only() {
        assert_eq!(
            feed_in(b"data:x\n\ndata:  y\n\ndata\n\n", 64),
            vec![
                ev(None, None, "x"),
                ev(None, None, " y"),
                ev(None, None, "")
            ]
        );
    }

    #[test]
    fn events_without_data_are_not_dispatched_but_their_id_carries_over() {
        assert_eq!(
            feed_in(
                b"id: 7\nevent: ticket.created\n\ndata: d\n\nid\ndata: e\n\n",
                64
            ),
            vec![ev(Some("7"), None, "d"), ev(None, None, "e")]
        );
    }

    #[test]
    fn unknown_fields_retry_and_nul_ids_are_ignored() {
        assert_eq!(
            feed_in(b"retry: 3000\ncolour: red\nid: 5\nid: 6\0\ndata: d\n\n", 64),
            vec![ev(Some("5"), None, "d")]
        );
    }

    #[test]
    fn a_leading_bom_is_skipped_once() {
        let mut input = b"\xEF\xBB\xBFdata: a\n\n".to_vec();
        input.extend_from_slice(b"\xEF\xBB\xBFdata: b\n\n");
        // The second BOM is part of a field name, so that line is an unknown field.
        assert_eq!(feed_in(&input, 1), vec![ev(None, None, "a")]);
    }

    #[test]
    fn an_unterminated_event_is_not_dispatched() {
        let mut p = SseParser::new();
        assert!(p.feed(b"id: 1\ndata: half\n").unwrap().is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(
            feed_in(b"data: a\xFFb\n\n", 64),
            vec![ev(None, None, "a\u{FFFD}b")]
        );
    }

    #[test]
    fn oversized_lines_are_refused() {
        let mut p = SseParser::new();
        let big = vec![b'x'; SseParser::MAX_EVENT_BYTES + 1];
        assert_eq!(
            p.feed(&big).unwrap_err(),
            EventTooLarge {
                limit: SseParser::MAX_EVENT_BYTES
            }
        );
    }

    #[test]
    fn server_events_are_typed() {
        let data = r#"{"seq":9,"kind":"campus","data":{"code":"main","name":"本部院区"}}"#;
        let e = ServerEvent::from_sse(&ev(Some("9"), Some("directory.updated"), data)).unwrap();
        assert_eq!(e.id, 9);
        assert_eq!(e.kind, EventKind::DirectoryUpdated);
        assert_eq!(e.change.seq, 9);

        for bad in [
            ev(None, Some("directory.updated"), data),
            ev(Some("x"), Some("directory.updated"), data),
            ev(Some("9"), Some("ticket.deleted"), data),
            ev(Some("9"), None, data),
            ev(Some("9"), Some("directory.updated"), "{}"),
        ] {
            let err = ServerEvent::from_sse(&bad).unwrap_err();
            assert!(
                matches!(&err, SyncError::Server { status: 200, .. }),
                "{bad:?}: {err:?}"
            );
        }
    }
}
