//! The one test harness for HTTP tests: `TestApp::spawn()` starts the real server on port 0 with a
//! fresh SQLite database and a manual clock, and offers a client and helpers to make accounts.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use clearcast_domain::account::Role;
use clearcast_domain::policy::Policy;
use clearcast_server::{AppState, ManualClock};
use clearcast_store::testing::{fresh_sqlite, TempDir};
use serde_json::{json, Value};

/// The instant every test starts at.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap()
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    /// Where the database is, for tests that reach past the application (tampering).
    pub db: Db,
    _dir: TempDir,
}

/// The database behind a test app.
#[derive(Debug, Clone)]
pub enum Db {
    /// The SQLite file.
    Sqlite(std::path::PathBuf),
    /// The PostgreSQL URL.
    Postgres(String),
}

impl Db {
    /// Runs raw SQL straight against the database, bypassing the application.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        match self {
            Db::Sqlite(path) => {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
                Ok(sqlx::Executor::execute(&mut c, sql).await?.rows_affected())
            }
            Db::Postgres(url) => {
                let mut c = sqlx::PgConnection::connect(url).await?;
                Ok(sqlx::Executor::execute(&mut c, sql).await?.rows_affected())
            }
        }
    }
}

/// An HTTP answer: status and JSON body (`Value::Null` when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    /// The first field error's field name.
    pub fn field(&self) -> &str {
        self.body["errors"][0]["field"].as_str().unwrap_or("")
    }
    /// The problem code.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let (store, dir) = fresh_sqlite().await.expect("fresh sqlite");
        let db = Db::Sqlite(dir.path.join("test.db"));
        Self::spawn_on(Arc::new(store), dir, db).await
    }

    /// A server on PostgreSQL (a fresh database at `CLEARCAST_TEST_PG_URL`), or `None` when that
    /// is not configured (a failure under `CLEARCAST_REQUIRE_SERVICES=1`).
    pub async fn spawn_postgres() -> Option<TestApp> {
        let (store, url) = clearcast_store::testing::fresh_postgres().await.expect("fresh postgres")?;
        Some(Self::spawn_on(Arc::new(store), TempDir::new().unwrap(), Db::Postgres(url)).await)
    }

    async fn spawn_on(store: Arc<dyn clearcast_store::Store>, dir: TempDir, db: Db) -> TestApp {
        Self::spawn_with(store, dir, db, clearcast_server::live::LiveConfig::default()).await
    }

    /// A server with the demo data and a live channel of other tunables.
    pub async fn spawn_demo_live(live: clearcast_server::live::LiveConfig) -> TestApp {
        let (store, dir) = fresh_sqlite().await.expect("fresh sqlite");
        let db = Db::Sqlite(dir.path.join("test.db"));
        let app = Self::spawn_with(Arc::new(store), dir, db, live).await;
        app.seed_demo().await;
        app
    }

    async fn spawn_with(
        store: Arc<dyn clearcast_store::Store>,
        dir: TempDir,
        db: Db,
        live: clearcast_server::live::LiveConfig,
    ) -> TestApp {
        let clock = Arc::new(ManualClock::new(start_time()));
        let state = AppState::new(store, Policy::default_policy(), clock.clone()).with_live(live);
        let app = clearcast_server::build(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestApp { base: format!("http://{addr}"), client: reqwest::Client::new(), clock, state, db, _dir: dir }
    }

    /// The test clock's time.
    pub fn clock_now(&self) -> DateTime<Utc> {
        use clearcast_server::Clock;
        self.clock.now()
    }

    /// A server with the demo data seeded.
    pub async fn spawn_demo() -> TestApp {
        let app = Self::spawn().await;
        app.seed_demo().await;
        app
    }

    /// Seeds the demo data.
    pub async fn seed_demo(&self) {
        let app = self;
        assert!(clearcast_server::demo::seed(&app.state).await.expect("demo seeds"));
    }

    async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = res.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, content_type, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        let mut req = self.client.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    /// POSTs raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Answer {
        let mut req = self.client.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Answer {
        let mut req = self.client.delete(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.unwrap()).await
    }

    /// Logs in and returns the token.
    /// Tops up a merchant's or room operator's deposit by ¥100,000 (above every category's
    /// minimum), as `op`, an operator.
    pub async fn fund(&self, op: &str, party_id: &str) {
        let d = self.post("/api/v1/deposits", Some(op), json!({"party_id": party_id, "amount": 10_000_000})).await;
        assert_eq!(d.status, 201, "{}", d.body);
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let a = self.post("/api/v1/auth/token", None, json!({"username": username, "password": password})).await;
        assert_eq!(a.status, 200, "login {username}: {}", a.body);
        a.body["token"].as_str().unwrap().to_string()
    }

    /// A new account of `role` (operators and regulators through the admin path) and its token.
    pub async fn user(&self, role: Role) -> String {
        let name = format!("{}-{}", role.as_str().replace('_', "-"), &uuid_hex()[..10]);
        let password = "a long enough password";
        if role.self_service() {
            let a = self
                .post("/api/v1/accounts", None, json!({"username": name, "password": password, "role": role}))
                .await;
            assert_eq!(a.status, 201, "sign up: {}", a.body);
        } else {
            clearcast_server::api::accounts::create_account(&self.state, &name, password, role)
                .await
                .expect("staff account");
        }
        self.login(&name, password).await
    }
}

fn uuid_hex() -> String {
    uuid::Uuid::now_v7().simple().to_string().chars().rev().collect()
}

/// A valid USCC, distinct per `n`.
pub fn uscc(n: u32) -> String {
    clearcast_domain::uscc::Uscc::complete(&format!("91330106MA{n:07}")).unwrap().to_string()
}

/// A valid ID number for someone born on `birth` (YYYYMMDD), distinct per `n`.
pub fn id_number(birth: &str, n: u32) -> String {
    clearcast_domain::id_number::IdNumber::complete(&format!("330106{birth}{:03}", n % 1000))
        .unwrap()
        .expose()
        .to_string()
}

/// A party registration body.
pub fn party_body(name: &str, n: u32) -> Value {
    json!({"legal_name": name, "uscc": uscc(n), "address": "浙江省杭州市西湖区文三路 1 号", "contact": "0571-88880000"})
}

/// The `cc_session=…` pair a successful `POST /login` sets.
pub fn session_cookie(res: &reqwest::Response) -> String {
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cc_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

/// A client that does not follow redirects (the pages answer a login with 303).
pub fn page_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Signs in through the login form and returns the `cc_session` cookie.
pub async fn page_session(app: &TestApp, username: &str, password: &str) -> String {
    let res = page_client()
        .post(format!("{}/login", app.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "login {username}");
    session_cookie(&res)
}

/// A page's status and HTML as a browser asks for it, in `lang` (`zh` or `en`), signed in with
/// `cookie` or anonymous.
pub async fn page_get(app: &TestApp, path: &str, cookie: Option<&str>, lang: &str) -> (u16, String) {
    let res = page_client()
        .get(format!("{}{path}", app.base))
        .header("accept", "text/html")
        .header("cookie", format!("cc_lang={lang}{}", cookie.map(|c| format!("; {c}")).unwrap_or_default()))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The page's CSRF token, which its forms send.
pub fn page_csrf(page: &str) -> String {
    page.split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

/// An order of the first live show's pinned product (杭州好物's rice), placed by the demo
/// consumer; returns its id and the API's answer.
pub async fn demo_place(app: &TestApp, consumer: &str) -> (String, Value) {
    let feed = app.get("/api/v1/feed", None).await;
    let show = feed.body["items"][0]["show_id"].as_str().unwrap().to_string();
    let detail = app.get(&format!("/api/v1/shows/{show}"), None).await;
    let body = json!({"product_id": detail.body["pinned"]["product_id"], "show_id": show, "quantity": 1,
                      "shipping": {"name": "张三", "phone": "13800138000", "address": "北京市朝阳区建国路 1 号"}});
    let o = app.post("/api/v1/orders", Some(consumer), body).await;
    assert_eq!(o.status, 201, "{}", o.body);
    (o.body["id"].as_str().unwrap().to_string(), o.body)
}

/// A placed order taken to `delivered`: paid by the consumer, shipped by 杭州好物, delivered by
/// the operator.
pub async fn demo_delivered(app: &TestApp, consumer: &str) -> (String, Value) {
    let (id, order) = demo_place(app, consumer).await;
    let haowu = app.login("haowu", "merchant-demo-pass").await;
    let op = app.login("operator", "operator-demo-pass").await;
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/pay"), Some(consumer), json!({})).await.status, 200);
    let s = app
        .post(&format!("/api/v1/orders/{id}/ship"), Some(&haowu), json!({"carrier": "SF", "tracking_number": "SF1"}))
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    assert_eq!(app.post(&format!("/api/v1/orders/{id}/deliver"), Some(&op), json!({})).await.status, 200);
    (id, order)
}

/// POSTs as a page's form does: the session cookie and the page's CSRF token.
pub async fn page_post(app: &TestApp, cookie: &str, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = page_client()
        .post(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}
