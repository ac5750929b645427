//! The real client against the real server, started in-process on `127.0.0.1:0` with a
//! temporary data directory.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use rounds_core::merge::TicketPatch;
use rounds_core::model::{
    Campus, Channel, Department, MaintenanceType, Role, Severity, Status, TicketDraft, WorkType,
};
use rounds_core::wire::{CreateUserRequest, Entity, EventKind, Op, OpKind, OpStatus, PushResponse};
use rounds_server::{AppState, Config, directory};
use rounds_sync::{Client, ClientOptions, EventStream, ServerEvent, SyncError, subscribe};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

/// The server, stopped and its files removed when dropped.
struct Server {
    base: String,
    state: AppState,
    /// Milliseconds added to the real time the server reads.
    clock_offset_ms: Arc<AtomicI64>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
    // Last, so files go after the server.
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("data"));
        config.keep_alive = Duration::from_millis(200);
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let clock =
            Arc::new(move || Utc::now() + chrono::Duration::milliseconds(o.load(Ordering::SeqCst)));
        let state = AppState::open_with_clock(config, clock).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let s = state.clone();
        let handle = tokio::spawn(async move {
            rounds_server::serve(listener, s, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let server = Server {
            base,
            state,
            clock_offset_ms: offset,
            shutdown: Some(tx),
            handle: Some(handle),
            _dir: dir,
        };
        server.seed().await;
        server
    }

    /// Campus `main` with departments `main-ivf` and `main-lab`.
    async fn seed(&self) {
        self.state
            .db
            .write(|tx| {
                directory::campus_upsert(
                    tx,
                    None,
                    Campus {
                        code: "main".into(),
                        name: "本部院区".into(),
                    },
                )?;
                for (code, name) in [("main-ivf", "生殖医学中心"), ("main-lab", "检验科")]
                {
                    directory::department_upsert(
                        tx,
                        None,
                        Department {
                            code: code.into(),
                            name: name.into(),
                            campus: "main".into(),
                        },
                    )?;
                }
                Ok(())
            })
            .await
            .unwrap();
    }

    async fn add_user(&self, username: &str, role: Role, department: Option<&str>) {
        let req = CreateUserRequest {
            username: username.into(),
            password: PASSWORD.into(),
            role,
            campus: None,
            department: department.map(Into::into),
            display_name: None,
        };
        let (req, hash) = directory::prepare_user(req).unwrap();
        self.state
            .db
            .write(move |tx| directory::user_insert(tx, None, req, hash))
            .await
            .unwrap();
    }

    fn client(&self) -> Client {
        Client::new(&self.base).unwrap()
    }

    /// A reporter of `main-ivf`, signed in.
    async fn nurse(&self) -> Client {
        self.add_user("nurse", Role::Reporter, Some("main-ivf"))
            .await;
        let c = self.client();
        let login = c.login("nurse", PASSWORD).await.unwrap();
        c.with_token(&login.token)
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .expect("graceful shutdown")
                .unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn draft(title: &str) -> TicketDraft {
    TicketDraft {
        id: Some(Uuid::now_v7()),
        title: title.into(),
        description: "走廊尽头没有信号，影响床旁扫码执行医嘱。".into(),
        campus: "main".into(),
        department: "main-ivf".into(),
        location: Some("住院部12病区".into()),
        severity: Severity::new(3).unwrap(),
        assignee: None,
        work_type: WorkType::DailyOps,
        maintenance_type: MaintenanceType::Corrective,
        channel: Channel::Desktop,
        attachments: vec![],
    }
}

fn op(kind: OpKind) -> Op {
    Op {
        op_id: Uuid::now_v7(),
        at: Utc::now(),
        kind,
    }
}

fn create(title: &str) -> (Uuid, Op) {
    let ticket = draft(title);
    (ticket.id.unwrap(), op(OpKind::TicketCreate { ticket }))
}

fn assert_all_applied(res: &PushResponse) {
    for r in &res.results {
        assert_eq!(r.status, OpStatus::Applied, "{r:?}");
    }
}

/// The next event, failing the test after five seconds.
async fn next_event(stream: &mut EventStream) -> ServerEvent {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("no event within 5 s")
        .expect("the stream ended")
        .expect("an event")
}

#[tokio::test]
async fn login_me_and_wrong_password() {
    let server = Server::start().await;
    server
        .add_user("nurse", Role::Reporter, Some("main-ivf"))
        .await;
    let anon = server.client();
    anon.health().await.unwrap();

    let login = anon.login("  NURSE ", PASSWORD).await.unwrap();
    assert_eq!(login.user.username, "nurse");
    assert_eq!(login.user.department.as_deref(), Some("main-ivf"));
    let nurse = anon.with_token(&login.token);
    assert_eq!(nurse.me().await.unwrap(), login.user);

    let err = anon.login("nurse", "wrong password").await.unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err:?}");
    assert!(!err.is_retryable());
    let err = anon.login("nobody", PASSWORD).await.unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err:?}");

    // No token: refused before any request.
    assert!(matches!(anon.me().await, Err(SyncError::Unauthorized(_))));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_username() {
    let server = Server::start().await;
    server.add_user("locked.user", Role::Engineer, None).await;
    let c = server.client();
    for i in 1..=4 {
        let err = c.login("locked.user", "wrong password").await.unwrap_err();
        assert!(
            matches!(err, SyncError::Unauthorized(_)),
            "try {i}: {err:?}"
        );
    }
    let err = c.login("locked.user", "wrong password").await.unwrap_err();
    let SyncError::Locked {
        retry_after_secs,
        message,
    } = &err
    else {
        panic!("fifth failure: {err:?}");
    };
    assert!((1..=900).contains(retry_after_secs), "{retry_after_secs}");
    assert!(!message.is_empty());
    assert_eq!(err.code(), "locked");
    assert!(!err.is_retryable());
    // Even the right password waits out the lock.
    assert!(matches!(
        c.login("locked.user", PASSWORD).await,
        Err(SyncError::Locked { .. })
    ));
}

#[tokio::test]
async fn pushed_ops_come_back_in_a_pull() {
    let server = Server::start().await;
    let nurse = server.nurse().await;

    let (ticket_id, create_op) = create("住院部12病区PDA频繁掉线");
    let comment_id = Uuid::now_v7();
    let ops = vec![
        create_op,
        op(OpKind::CommentAdd {
            comment_id,
            ticket_id,
            body: "补充：上午十点后更频繁。".into(),
            internal: false,
        }),
        op(OpKind::TicketUpdate {
            ticket_id,
            patch: TicketPatch {
                location: Some(Some("住院部12病区护士站".into())),
                ..TicketPatch::default()
            },
        }),
    ];
    let res = nurse.push(&ops).await.unwrap();
    assert_eq!(res.results.len(), 3);
    assert_all_applied(&res);
    for (r, o) in res.results.iter().zip(&ops) {
        assert_eq!(r.op_id, Some(o.op_id));
    }

    // Pull everything in small pages.
    let (mut cursor, mut changes, mut epoch) = (0, Vec::new(), None);
    loop {
        let page = nurse.pull(cursor, 2).await.unwrap();
        assert!(epoch.is_none() || epoch.as_ref() == Some(&page.epoch));
        epoch = Some(page.epoch);
        changes.extend(page.changes);
        cursor = page.cursor;
        if !page.has_more {
            break;
        }
    }
    let ticket = changes
        .iter()
        .find_map(|c| match &c.entity {
            Entity::Ticket(t) if t.id == ticket_id => Some(t),
            _ => None,
        })
        .expect("the pushed ticket in the pull");
    assert!(
        ticket
            .number
            .as_deref()
            .is_some_and(|n| n.starts_with("R-"))
    );
    assert_eq!(ticket.status, Status::New);
    assert_eq!(ticket.location.as_deref(), Some("住院部12病区护士站"));
    assert!(
        changes
            .iter()
            .any(|c| matches!(&c.entity, Entity::Comment(cm) if cm.id == comment_id))
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(&c.entity, Entity::Campus(c) if c.code == "main"))
    );

    // Pushing the same batch again (a retry after a lost answer) changes nothing.
    let again = nurse.push(&ops).await.unwrap();
    assert_all_applied(&again);
    let after = nurse.pull(cursor, 100).await.unwrap();
    assert!(after.changes.is_empty(), "{:?}", after.changes);
    assert!(!after.has_more);

    // An out-of-range limit is the server's refusal, not a transport problem.
    let err = nurse.pull(0, 0).await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Rejected { status: 422, code, .. } if code == "validation"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_refused_op_is_a_result_not_an_error() {
    let server = Server::start().await;
    let nurse = server.nurse().await;
    let (ticket_id, create_op) = create("打印机卡纸");
    let ops = vec![
        create_op,
        // A new ticket cannot be resolved, and not by a reporter.
        op(OpKind::TicketTransition {
            ticket_id,
            to: Status::Resolved,
            reason: None,
        }),
        op(OpKind::CommentAdd {
            comment_id: Uuid::now_v7(),
            ticket_id,
            body: "工程师已到场".into(),
            internal: false,
        }),
    ];
    let res = nurse.push(&ops).await.unwrap();
    let statuses: Vec<OpStatus> = res.results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [OpStatus::Applied, OpStatus::Rejected, OpStatus::Applied]
    );
    let rejected = &res.results[1];
    assert_eq!(rejected.op_id, Some(ops[1].op_id));
    assert_eq!(rejected.code.as_deref(), Some("invalid_transition"));
    assert!(rejected.message.as_deref().is_some_and(|m| !m.is_empty()));

    // Too many ops is a refusal of the whole batch.
    let many: Vec<Op> = (0..1001).map(|i| create(&format!("t{i}")).1).collect();
    let err = nurse.push(&many).await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Rejected { status: 413, code, .. } if code == "payload_too_large"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_running_is_offline_quickly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::new(&format!("http://{addr}")).unwrap();
    let started = Instant::now();
    let err = c.health().await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.code(), "offline");
    let err = c.login("nurse", PASSWORD).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    let err = c.with_token("t").pull(0, 10).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    let err = subscribe(&c.with_token("t"), None).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_unauthorized() {
    let server = Server::start().await;
    let nurse = server.nurse().await;
    nurse.me().await.unwrap();
    nurse.logout().await.unwrap();
    let err = nurse.me().await.unwrap_err();
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err:?}");
    assert_eq!(err.code(), "unauthorized");
    assert!(matches!(
        nurse.logout().await,
        Err(SyncError::Unauthorized(_))
    ));
    assert!(matches!(
        subscribe(&nurse, None).await,
        Err(SyncError::Unauthorized(_))
    ));
    assert!(matches!(
        nurse.with_token("not-a-token").pull(0, 10).await,
        Err(SyncError::Unauthorized(_))
    ));

    // A token left unused past its lifetime (14 days) expires.
    let login = server.client().login("nurse", PASSWORD).await.unwrap();
    let nurse = server.client().with_token(&login.token);
    nurse.me().await.unwrap();
    server
        .clock_offset_ms
        .store(15 * 24 * 3600 * 1000, Ordering::SeqCst);
    let err = nurse.me().await.unwrap_err();
    assert!(
        matches!(&err, SyncError::Unauthorized(m) if m.contains("expired")),
        "{err:?}"
    );
}

#[tokio::test]
async fn attachments_upload_and_download() {
    let server = Server::start().await;
    let nurse = server.nurse().await;
    let text = "护士站打印机报错：E-204\n".as_bytes().to_vec();
    let up = nurse
        .upload_attachment(
            text.clone(),
            "text/plain; charset=utf-8",
            Some("打印机报错.txt"),
        )
        .await
        .unwrap();
    assert_eq!(up.size, text.len() as u64);
    assert_eq!(up.content_type, "text/plain");
    assert_eq!(up.sha256.len(), 64);
    assert_eq!(nurse.download_attachment(&up.sha256).await.unwrap(), text);

    // A name that cannot be a header is left out; the upload still works.
    let other = b"second file".to_vec();
    let up2 = nurse
        .upload_attachment(other.clone(), "text/plain", Some("bad\nname.txt"))
        .await
        .unwrap();
    assert_eq!(nurse.download_attachment(&up2.sha256).await.unwrap(), other);

    // The file can be attached to a ticket through an op.
    let mut ticket = draft("报错截图");
    ticket.attachments = vec![up.sha256.clone()];
    let res = nurse
        .push(&[op(OpKind::TicketCreate { ticket })])
        .await
        .unwrap();
    assert_all_applied(&res);

    let err = nurse
        .download_attachment(&"0".repeat(64))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SyncError::Rejected { status: 404, code, .. } if code == "not_found"),
        "{err:?}"
    );
    let err = nurse
        .download_attachment("../../etc/passwd")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SyncError::Rejected { status: 404, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn unsupported_media_is_rejected_with_its_code() {
    let server = Server::start().await;
    let nurse = server.nurse().await;
    for (bytes, content_type) in [
        (b"PK\x03\x04zip".to_vec(), "application/zip"),
        (b"nul\0byte".to_vec(), "text/plain"),
        (b"not a png".to_vec(), "image/png"),
    ] {
        let err = nurse
            .upload_attachment(bytes, content_type, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, SyncError::Rejected { status: 415, code, message }
                if code == "unsupported_media_type" && !message.is_empty()),
            "{content_type}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
    let err = nurse
        .upload_attachment(b"x".to_vec(), "text/plain\n", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported_media_type");
}

#[tokio::test]
async fn directory_lists() {
    let server = Server::start().await;
    let nurse = server.nurse().await;
    let campuses = nurse.campuses().await.unwrap();
    assert_eq!(
        campuses,
        vec![Campus {
            code: "main".into(),
            name: "本部院区".into()
        }]
    );
    let mut departments: Vec<String> = nurse
        .departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.code)
        .collect();
    departments.sort();
    assert_eq!(departments, ["main-ivf", "main-lab"]);
    let users = nurse.users().await.unwrap();
    assert!(users.iter().any(|u| u.username == "nurse"));
}

#[tokio::test]
async fn events_arrive_live_and_resume_from_an_id() {
    let server = Server::start().await;
    server
        .add_user("nurse", Role::Reporter, Some("main-ivf"))
        .await;
    // Shorter than the wait below, longer than the server's 200 ms keep-alive: only the
    // keep-alives keep this stream open.
    let options = ClientOptions {
        event_idle_timeout: Duration::from_millis(1000),
        ..ClientOptions::default()
    };
    let nurse = Client::with_options(&server.base, options)
        .unwrap()
        .with_token(&nurse_token(&server).await);

    let mut live = subscribe(&nurse, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (ticket_id, create_op) = create("门诊楼3楼护士站打印机卡纸");
    assert_all_applied(&nurse.push(&[create_op]).await.unwrap());
    let first = next_event(&mut live).await;
    assert_eq!(first.kind, EventKind::TicketCreated);
    assert_eq!(first.id, first.change.seq);
    assert!(matches!(&first.change.entity, Entity::Ticket(t) if t.id == ticket_id));

    let comment_id = Uuid::now_v7();
    let comment = op(OpKind::CommentAdd {
        comment_id,
        ticket_id,
        body: "工程师已到场".into(),
        internal: false,
    });
    assert_all_applied(&nurse.push(&[comment]).await.unwrap());
    let second = next_event(&mut live).await;
    assert_eq!(second.kind, EventKind::CommentAdded);
    assert!(second.id > first.id);
    drop(live);

    // Resuming after the first event replays what came after it, then goes on live.
    let mut resumed = subscribe(&nurse, Some(first.id)).await.unwrap();
    let replayed = next_event(&mut resumed).await;
    assert!(replayed.id > first.id);
    assert_eq!(replayed, second);
    let (other_id, other) = create("HIS 登录失败");
    assert_all_applied(&nurse.push(&[other]).await.unwrap());
    let next = next_event(&mut resumed).await;
    assert!(matches!(&next.change.entity, Entity::Ticket(t) if t.id == other_id));
    assert!(next.id > second.id);

    // When the server shuts down, the stream ends without an error.
    server.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(5), resumed.next())
        .await
        .expect("the stream did not end");
    assert!(end.is_none(), "{end:?}");
}

async fn nurse_token(server: &Server) -> String {
    server
        .client()
        .login("nurse", PASSWORD)
        .await
        .unwrap()
        .token
}

#[tokio::test]
async fn a_silent_event_stream_ends_as_offline() {
    // A listener that accepts the connection and answers the headers, then says nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await.unwrap();
        sock.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    });
    let options = ClientOptions {
        event_idle_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let c = Client::with_options(&format!("http://{addr}"), options)
        .unwrap()
        .with_token("t");
    let mut stream = subscribe(&c, None).await.unwrap();
    let item = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap();
    assert!(matches!(item, Some(Err(SyncError::Offline(_)))), "{item:?}");
    assert!(stream.next().await.is_none());
    silent.abort();
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let server = Server::start().await;
    server
        .add_user("nurse", Role::Reporter, Some("main-ivf"))
        .await;
    let token = nurse_token(&server).await;
    let c = server.client().with_token(&token);
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(&token), "{dbg}");
    assert!(dbg.contains(&server.base));
    let pretty = format!("{c:#?}");
    assert!(!pretty.contains(&token), "{pretty}");
}
