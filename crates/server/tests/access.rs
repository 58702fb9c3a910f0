//! Who may do what: the authorization matrix of every write endpoint for every role (and for an
//! anonymous caller), ownership between accounts of the same role, what personal data each caller
//! sees, the regulator's read-only access, and the life of a bearer token.

mod common;

use std::collections::HashMap;

use chrono::Duration;
use clearcast_domain::account::Role;
use common::{id_number, party_body, Answer, TestApp};
use serde_json::{json, Value};

const PROBLEM: &str = "application/problem+json";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The id in a 201 answer, after checking the status.
fn created_id(a: &Answer, what: &str) -> String {
    assert_eq!(a.status, 201, "{what}: {}", a.body);
    a.body["id"].as_str().expect("id in answer").to_string()
}

/// Registers a party of the kind served under `/api/v1/{kind_path}` and returns its id.
async fn register_party(app: &TestApp, token: &str, kind_path: &str, n: u32) -> String {
    let a = app.post(&format!("/api/v1/{kind_path}"), Some(token), party_body("杭州测试有限公司", n)).await;
    created_id(&a, kind_path)
}

/// An anchor registration born on 1995-01-01, with a distinct ID number per `n` (below 1000).
fn anchor_body(n: u32) -> Value {
    json!({
        "real_name": "李佳",
        "stage_name": "佳佳",
        "id_number": id_number("19950101", n),
        "birth_date": "1995-01-01",
        "address": "上海市徐汇区漕溪北路 1 号",
        "contact": "13800000000",
    })
}

/// A new anchor account with its registered profile: (token, anchor id).
async fn anchor_account(app: &TestApp, n: u32) -> (String, String) {
    let token = app.user(Role::Anchor).await;
    let a = app.post("/api/v1/anchors", Some(&token), anchor_body(n)).await;
    let id = created_id(&a, "anchor");
    (token, id)
}

fn product_body(goods_owner: &str, merchant: &str) -> Value {
    json!({
        "goods_owner_id": goods_owner,
        "merchant_id": merchant,
        "title": "东北五常大米",
        "category": "food",
        "price_minor": 5990,
        "unit": "袋 (5 kg)",
        "stock": 100,
    })
}

fn qualification_body() -> Value {
    json!({"kind": "ccc_certificate", "number": "2024010901000001", "issuer": "CQC",
           "valid_from": "2026-01-01", "valid_until": "2028-01-01"})
}

fn inspection_body() -> Value {
    json!({"lab": "SGS", "report_number": "R-2026-1", "inspected_on": "2026-11-01", "passed": true})
}

fn approve() -> Value {
    json!({"decision": "approve"})
}

fn items(a: &Answer) -> &Vec<Value> {
    a.body["items"].as_array().expect("a list answer")
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/// The callers, in the order of the matrix columns.
const CALLERS: [Option<Role>; 8] = [
    Some(Role::Consumer),
    Some(Role::Merchant),
    Some(Role::RoomOperator),
    Some(Role::Anchor),
    Some(Role::Agency),
    Some(Role::Operator),
    Some(Role::Regulator),
    None,
];

fn caller_name(c: Option<Role>) -> &'static str {
    c.map_or("anonymous", |r| r.as_str())
}

/// What one caller gets from one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: this success status.
    Allowed(u16),
    /// 403 `forbidden`: the role may not do this.
    Forbidden,
    /// 403 `regulator_read_only`: regulators never write.
    ReadOnly,
    /// 401 `unauthorized`: no token.
    Unauthenticated,
}

const S200: Expect = Expect::Allowed(200);
const S201: Expect = Expect::Allowed(201);
const S204: Expect = Expect::Allowed(204);
const DENY: Expect = Expect::Forbidden;
const READ: Expect = Expect::ReadOnly;
const ANON: Expect = Expect::Unauthenticated;

/// The matrix: what each caller gets from each write endpoint. `World::request` says what is sent.
#[rustfmt::skip]
const MATRIX: [(&str, [Expect; 8]); 19] = [
    //                          consumer merchant room_op anchor agency operator regulator anonymous
    ("register merchant",      [DENY,    S201,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("register goods owner",   [DENY,    S201,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("register room operator", [DENY,    DENY,    S201,   DENY,  DENY,  S201,    READ,     ANON]),
    ("register agency",        [DENY,    DENY,    DENY,   DENY,  S201,  S201,    READ,     ANON]),
    ("register anchor",        [DENY,    DENY,    DENY,   S201,  DENY,  DENY,    READ,     ANON]),
    ("list product",           [DENY,    S201,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("add qualification",      [DENY,    S201,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("add inspection",         [DENY,    S201,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("verify merchant",        [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify goods owner",     [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify room operator",   [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify agency",          [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify anchor",          [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify qualification",   [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("verify inspection",      [DENY,    DENY,    DENY,   DENY,  DENY,  S200,    READ,     ANON]),
    ("record training",        [DENY,    DENY,    DENY,   DENY,  DENY,  S201,    READ,     ANON]),
    ("blacklist anchor",       [DENY,    DENY,    DENY,   DENY,  DENY,  S204,    READ,     ANON]),
    ("add to roster",          [DENY,    DENY,    S201,   DENY,  DENY,  S201,    READ,     ANON]),
    ("confirm roster entry",   [DENY,    DENY,    S200,   DENY,  DENY,  S200,    READ,     ANON]),
];

impl Expect {
    fn holds(self, a: &Answer) -> bool {
        match self {
            Expect::Allowed(s) => a.status == s,
            Expect::Forbidden => a.status == 403 && a.code() == "forbidden" && a.content_type == PROBLEM,
            Expect::ReadOnly => a.status == 403 && a.code() == "regulator_read_only" && a.content_type == PROBLEM,
            Expect::Unauthenticated => a.status == 401 && a.code() == "unauthorized" && a.content_type == PROBLEM,
        }
    }
}

/// The request a matrix row sends: every caller POSTs `body(column, n)` to `path` (`n` is unique
/// per cell, for identities that must not repeat). In a `fresh` request each caller is a new
/// account of its role that has registered nothing yet (registrations are one per account);
/// otherwise the world's shared accounts are used, which own the merchant, room, anchor and agency.
struct Request {
    path: String,
    fresh: bool,
    body: Box<dyn Fn(usize, u32) -> Value>,
}

fn request(path: String, fresh: bool, body: impl Fn(usize, u32) -> Value + 'static) -> Request {
    Request { path, fresh, body: Box::new(body) }
}

/// Everything the matrix acts on, owned by one shared account per role.
struct World {
    app: TestApp,
    tokens: HashMap<Role, String>,
    merchant: String,
    goods_owner: String,
    product: String,
    qualification: String,
    inspection: String,
    room: String,
    agency: String,
    anchor: String,
    blacklist_target: String,
    /// One anchor per matrix column to add to the room's roster (adding twice is a 409).
    roster_pool: Vec<String>,
    /// A verified anchor already on the room's roster, to confirm.
    to_confirm: String,
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let mut tokens = HashMap::new();
        for role in Role::ALL {
            tokens.insert(role, app.user(role).await);
        }
        let op = tokens[&Role::Operator].clone();
        let mt = tokens[&Role::Merchant].clone();
        let merchant = register_party(&app, &mt, "merchants", 1).await;
        let goods_owner = register_party(&app, &mt, "goods-owners", 2).await;
        let room = register_party(&app, &tokens[&Role::RoomOperator], "room-operators", 3).await;
        let agency = register_party(&app, &tokens[&Role::Agency], "agencies", 4).await;
        let p = app.post("/api/v1/products", Some(&mt), product_body(&goods_owner, &merchant)).await;
        let product = created_id(&p, "product");
        let q = app.post(&format!("/api/v1/products/{product}/qualifications"), Some(&mt), qualification_body()).await;
        let qualification = created_id(&q, "qualification");
        let i = app.post(&format!("/api/v1/products/{product}/inspections"), Some(&mt), inspection_body()).await;
        let inspection = created_id(&i, "inspection");
        let a = app.post("/api/v1/anchors", Some(&tokens[&Role::Anchor]), anchor_body(1)).await;
        let anchor = created_id(&a, "anchor");
        let (_, blacklist_target) = anchor_account(&app, 2).await;
        let (_, to_confirm) = anchor_account(&app, 3).await;
        let v = app.post(&format!("/api/v1/anchors/{to_confirm}/verify"), Some(&op), approve()).await;
        assert_eq!(v.status, 200, "{}", v.body);
        let r = app
            .post(
                &format!("/api/v1/room-operators/{room}/roster"),
                Some(&tokens[&Role::RoomOperator]),
                json!({"anchor_id": to_confirm}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let mut roster_pool = Vec::new();
        for n in 0..CALLERS.len() as u32 {
            roster_pool.push(anchor_account(&app, 10 + n).await.1);
        }
        World {
            app,
            tokens,
            merchant,
            goods_owner,
            product,
            qualification,
            inspection,
            room,
            agency,
            anchor,
            blacklist_target,
            roster_pool,
            to_confirm,
        }
    }

    /// What the matrix row `what` sends.
    fn request(&self, what: &str) -> Request {
        let (p, room) = (&self.product, &self.room);
        let party = |name: &'static str| move |_: usize, n: u32| party_body(name, 1000 + n);
        let fixed = |v: Value| move |_: usize, _: u32| v.clone();
        let verify = |path: String| request(path, false, fixed(approve()));
        match what {
            "register merchant" => request("/api/v1/merchants".into(), true, party("好物电子商务有限公司")),
            "register goods owner" => request("/api/v1/goods-owners".into(), true, party("好物品牌管理有限公司")),
            "register room operator" => request("/api/v1/room-operators".into(), true, party("好物直播有限公司")),
            "register agency" => request("/api/v1/agencies".into(), true, party("星光经纪有限公司")),
            "register anchor" => request("/api/v1/anchors".into(), true, |_, n| anchor_body(100 + n)),
            "list product" => {
                let (g, m) = (self.goods_owner.clone(), self.merchant.clone());
                request("/api/v1/products".into(), false, move |_, _| product_body(&g, &m))
            }
            "add qualification" => {
                request(format!("/api/v1/products/{p}/qualifications"), false, fixed(qualification_body()))
            }
            "add inspection" => request(format!("/api/v1/products/{p}/inspections"), false, fixed(inspection_body())),
            "verify merchant" => verify(format!("/api/v1/merchants/{}/verify", self.merchant)),
            "verify goods owner" => verify(format!("/api/v1/goods-owners/{}/verify", self.goods_owner)),
            "verify room operator" => verify(format!("/api/v1/room-operators/{room}/verify")),
            "verify agency" => verify(format!("/api/v1/agencies/{}/verify", self.agency)),
            "verify anchor" => verify(format!("/api/v1/anchors/{}/verify", self.anchor)),
            "verify qualification" => {
                verify(format!("/api/v1/products/{p}/qualifications/{}/verify", self.qualification))
            }
            "verify inspection" => verify(format!("/api/v1/products/{p}/inspections/{}/verify", self.inspection)),
            "record training" => request(
                format!("/api/v1/anchors/{}/training", self.anchor),
                false,
                fixed(
                    json!({"kind": "pre_first_show", "completed_on": "2026-11-20", "provider": "平台学院", "hours": 2}),
                ),
            ),
            "blacklist anchor" => request(
                format!("/api/v1/anchors/{}/blacklist", self.blacklist_target),
                false,
                fixed(json!({"reason": "多次虚假宣传 (Art. 14)"})),
            ),
            "add to roster" => {
                let pool = self.roster_pool.clone();
                request(
                    format!("/api/v1/room-operators/{room}/roster"),
                    false,
                    move |col, _| json!({"anchor_id": pool[col]}),
                )
            }
            "confirm roster entry" => request(
                format!("/api/v1/room-operators/{room}/roster/{}/confirm", self.to_confirm),
                false,
                fixed(json!({})),
            ),
            other => panic!("no request for matrix row {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_write_endpoint_answers_each_role_as_the_matrix_says() {
    let world = World::new().await;
    let app = &world.app;
    let mut n = 0;
    let mut failures = Vec::new();
    let mut observed = String::new();
    for (what, expected) in MATRIX {
        let req = world.request(what);
        let mut line = format!("{what:<24}");
        for (col, (caller, expect)) in CALLERS.iter().zip(expected).enumerate() {
            n += 1;
            let token = match caller {
                Some(role) if req.fresh => Some(app.user(*role).await),
                Some(role) => Some(world.tokens[role].clone()),
                None => None,
            };
            let a = app.post(&req.path, token.as_deref(), (req.body)(col, n)).await;
            line.push_str(&format!(" {:>3} {:<20}", a.status, a.code()));
            if !expect.holds(&a) {
                let who = caller_name(*caller);
                failures.push(format!("{what} as {who}: expected {expect:?}, got {} {}", a.status, a.body));
            }
        }
        observed.push_str(&line);
        observed.push('\n');
    }
    println!("{observed}");
    assert!(failures.is_empty(), "{}\n\nobserved:\n{observed}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Ownership
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_merchant_cannot_document_or_list_for_another_merchant() {
    let app = TestApp::spawn().await;
    let a = app.user(Role::Merchant).await;
    let b = app.user(Role::Merchant).await;
    let merchant_a = register_party(&app, &a, "merchants", 1).await;
    let owner_a = register_party(&app, &a, "goods-owners", 2).await;
    let merchant_b = register_party(&app, &b, "merchants", 3).await;
    let owner_b = register_party(&app, &b, "goods-owners", 4).await;
    let p = app.post("/api/v1/products", Some(&a), product_body(&owner_a, &merchant_a)).await;
    let product_a = created_id(&p, "product of A");

    for (what, path, body) in [
        ("qualification", format!("/api/v1/products/{product_a}/qualifications"), qualification_body()),
        ("inspection", format!("/api/v1/products/{product_a}/inspections"), inspection_body()),
    ] {
        let r = app.post(&path, Some(&b), body).await;
        assert_eq!((r.status, r.code()), (403, "forbidden"), "B adds a {what} to A's product: {}", r.body);
        assert_eq!(r.content_type, PROBLEM);
        let listed = app.get(&path, None).await;
        assert_eq!(listed.status, 200);
        assert_eq!(items(&listed).len(), 0, "nothing was written for {what}");
    }

    // B names A's merchant as the seller.
    let r = app.post("/api/v1/products", Some(&b), product_body(&owner_b, &merchant_a)).await;
    assert_eq!((r.status, r.code(), r.field()), (403, "forbidden", "merchant_id"), "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "not_yours");
    let all = app.get("/api/v1/products", None).await;
    assert_eq!(items(&all).len(), 1, "only A's product exists");

    // Naming their own merchant is fine, and the product is theirs.
    let r = app.post("/api/v1/products", Some(&b), product_body(&owner_b, &merchant_b)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["seller_id"], merchant_b.as_str());

    // A merchant account without a merchant cannot list at all.
    let c = app.user(Role::Merchant).await;
    let r = app.post("/api/v1/products", Some(&c), product_body(&owner_b, &merchant_b)).await;
    assert_eq!((r.status, r.code(), r.field()), (422, "validation_failed", "merchant_id"), "{}", r.body);
    assert_eq!(r.body["errors"][0]["code"], "no_merchant");
}

#[tokio::test]
async fn a_room_operator_cannot_manage_another_rooms_roster() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let owner = app.user(Role::RoomOperator).await;
    let other = app.user(Role::RoomOperator).await;
    let room = register_party(&app, &owner, "room-operators", 1).await;
    let other_room = register_party(&app, &other, "room-operators", 2).await;
    let (_, anchor) = anchor_account(&app, 1).await;
    let (_, second) = anchor_account(&app, 2).await;
    for id in [&anchor, &second] {
        let v = app.post(&format!("/api/v1/anchors/{id}/verify"), Some(&op), approve()).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }
    let roster = format!("/api/v1/room-operators/{room}/roster");
    let added = app.post(&roster, Some(&owner), json!({"anchor_id": anchor})).await;
    assert_eq!(added.status, 201, "{}", added.body);

    let r = app.post(&roster, Some(&other), json!({"anchor_id": second})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.body);
    let r = app.post(&format!("{roster}/{anchor}/confirm"), Some(&other), json!({})).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"), "{}", r.body);

    // Nothing changed: one unconfirmed entry.
    let listed = app.get(&roster, Some(&owner)).await;
    assert_eq!(listed.status, 200);
    assert_eq!(items(&listed).len(), 1);
    assert_eq!(items(&listed)[0]["anchor"], anchor.as_str());
    assert_eq!(items(&listed)[0]["confirmed_at"], Value::Null);

    // The other account still manages its own room.
    let r = app
        .post(&format!("/api/v1/room-operators/{other_room}/roster"), Some(&other), json!({"anchor_id": second}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // And the owner confirms in its own.
    let r = app.post(&format!("{roster}/{anchor}/confirm"), Some(&owner), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["confirmed_at"].is_string(), "{}", r.body);
}

// ---------------------------------------------------------------------------------------------
// Personal data
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn id_numbers_of_natural_persons_are_masked_for_everyone_but_owner_and_staff() {
    let app = TestApp::spawn().await;
    let owner = app.user(Role::RoomOperator).await;
    let full = id_number("19880808", 7);
    let masked = format!("{}*************{}", &full[..3], &full[16..]);
    let body = json!({"legal_name": "王小明", "id_number": full, "address": "浙江省杭州市余杭区五常大道 1 号",
                      "contact": "13900000000"});
    let created = app.post("/api/v1/room-operators", Some(&owner), body).await;
    let room = created_id(&created, "natural-person room operator");
    assert_eq!(created.body["id_number"], full.as_str(), "the owner sees its own number");
    assert_eq!(created.body["natural_person"], true);
    assert_eq!(created.body["uscc"], Value::Null);

    let consumer = app.user(Role::Consumer).await;
    let other_room_op = app.user(Role::RoomOperator).await;
    let operator = app.user(Role::Operator).await;
    let regulator = app.user(Role::Regulator).await;
    let path = format!("/api/v1/room-operators/{room}");
    for (who, token, expected) in [
        ("anonymous", None, &masked),
        ("consumer", Some(&consumer), &masked),
        ("another room operator", Some(&other_room_op), &masked),
        ("owner", Some(&owner), &full),
        ("operator", Some(&operator), &full),
        ("regulator", Some(&regulator), &full),
    ] {
        let a = app.get(&path, token.map(String::as_str)).await;
        assert_eq!(a.status, 200, "{who}: {}", a.body);
        assert_eq!(a.body["id_number"], expected.as_str(), "{who}");
    }
    assert!(masked.contains('*') && !masked.contains(&full[3..16]));

    // Lists mask the same way.
    let list = app.get("/api/v1/room-operators", Some(&consumer)).await;
    assert_eq!(list.status, 200);
    assert_eq!(items(&list)[0]["id_number"], masked.as_str());
    let list = app.get("/api/v1/room-operators", Some(&operator)).await;
    assert_eq!(items(&list)[0]["id_number"], full.as_str());
}

#[tokio::test]
async fn an_anchors_personal_data_is_shown_only_to_the_anchor_and_staff() {
    let app = TestApp::spawn().await;
    let (own, anchor) = anchor_account(&app, 1).await;
    let (other_anchor, _) = anchor_account(&app, 2).await;
    let consumer = app.user(Role::Consumer).await;
    let operator = app.user(Role::Operator).await;
    let regulator = app.user(Role::Regulator).await;
    let full = id_number("19950101", 1);
    let masked = format!("{}*************{}", &full[..3], &full[16..]);
    let path = format!("/api/v1/anchors/{anchor}");

    for (who, token) in [("anonymous", None), ("consumer", Some(&consumer)), ("another anchor", Some(&other_anchor))] {
        let a = app.get(&path, token.map(String::as_str)).await;
        assert_eq!(a.status, 200, "{who}: {}", a.body);
        assert_eq!(a.body["birth_date"], Value::Null, "{who}");
        assert_eq!(a.body["address"], Value::Null, "{who}");
        assert_eq!(a.body["contact"], Value::Null, "{who}");
        assert_eq!(a.body["real_name"], "李*", "{who}");
        assert_eq!(a.body["id_number"], masked.as_str(), "{who}");
        assert_eq!(a.body["stage_name"], "佳佳", "{who}: the stage name is public");
    }
    for (who, token) in [("the anchor", &own), ("operator", &operator), ("regulator", &regulator)] {
        let a = app.get(&path, Some(token)).await;
        assert_eq!(a.status, 200, "{who}: {}", a.body);
        assert_eq!(a.body["birth_date"], "1995-01-01", "{who}");
        assert_eq!(a.body["address"], "上海市徐汇区漕溪北路 1 号", "{who}");
        assert_eq!(a.body["contact"], "13800000000", "{who}");
        assert_eq!(a.body["real_name"], "李佳", "{who}");
        assert_eq!(a.body["id_number"], full.as_str(), "{who}");
    }

    // The list applies the same rule per item.
    let list = app.get("/api/v1/anchors", Some(&consumer)).await;
    assert_eq!(list.status, 200);
    assert!(items(&list).iter().all(|a| a["birth_date"].is_null() && a["address"].is_null()), "{}", list.body);
    let list = app.get("/api/v1/anchors", Some(&own)).await;
    let mine: Vec<_> = items(&list).iter().filter(|a| a["id"] == anchor.as_str()).collect();
    assert_eq!(mine[0]["birth_date"], "1995-01-01");
    let others: Vec<_> = items(&list).iter().filter(|a| a["id"] != anchor.as_str()).collect();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["birth_date"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Regulators read
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn regulators_read_lists_and_the_audit_trail_and_consumers_do_not() {
    let app = TestApp::spawn().await;
    let op = app.user(Role::Operator).await;
    let regulator = app.user(Role::Regulator).await;
    let consumer = app.user(Role::Consumer).await;
    let merchant = app.user(Role::Merchant).await;
    let m = register_party(&app, &merchant, "merchants", 1).await;
    let (_, anchor) = anchor_account(&app, 1).await;
    for path in [format!("/api/v1/merchants/{m}/verify"), format!("/api/v1/anchors/{anchor}/verify")] {
        let v = app.post(&path, Some(&op), approve()).await;
        assert_eq!(v.status, 200, "{}", v.body);
    }

    for path in [
        "/api/v1/merchants",
        "/api/v1/goods-owners",
        "/api/v1/room-operators",
        "/api/v1/agencies",
        "/api/v1/anchors",
        "/api/v1/products",
    ] {
        let a = app.get(path, Some(&regulator)).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert!(a.body["items"].is_array(), "{path}");
    }
    let merchants = app.get("/api/v1/merchants", Some(&regulator)).await;
    assert_eq!(items(&merchants).len(), 1);
    assert_eq!(merchants.body["items"][0]["verification"]["status"], "verified");

    let audit = app.get("/api/v1/audit", Some(&regulator)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let actions: Vec<_> = items(&audit).iter().map(|e| e["action"].as_str().unwrap_or("").to_string()).collect();
    // The two staff accounts the fixture made are on record, then the operator's two actions.
    assert_eq!(actions, ["account.staff_created", "account.staff_created", "merchant.verify", "anchor.verify"]);
    let check = app.get("/api/v1/audit/verify", Some(&regulator)).await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert_eq!(check.body["ok"], true);
    assert_eq!(check.body["entries"], 4);
    assert_eq!(check.body["first_bad_seq"], Value::Null);

    for path in ["/api/v1/audit", "/api/v1/audit/verify"] {
        let a = app.get(path, Some(&consumer)).await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "consumer {path}: {}", a.body);
        assert_eq!(a.content_type, PROBLEM);
        let a = app.get(path, Some(&merchant)).await;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "merchant {path}: {}", a.body);
        let a = app.get(path, None).await;
        assert_eq!((a.status, a.code()), (401, "unauthorized"), "anonymous {path}: {}", a.body);
        let a = app.get(path, Some(&op)).await;
        assert_eq!(a.status, 200, "operator {path}: {}", a.body);
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts and tokens
// ---------------------------------------------------------------------------------------------

async fn sign_up(app: &TestApp, username: &str, role: &str) -> Answer {
    app.post(
        "/api/v1/accounts",
        None,
        json!({"username": username, "password": "a long enough password", "role": role}),
    )
    .await
}

#[tokio::test]
async fn a_token_works_until_it_is_revoked_or_expires() {
    let app = TestApp::spawn().await;
    let s = sign_up(&app, "lin.consumer", "consumer").await;
    assert_eq!(s.status, 201, "{}", s.body);

    let login = app
        .post("/api/v1/auth/token", None, json!({"username": "lin.consumer", "password": "a long enough password"}))
        .await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["account"]["username"], "lin.consumer");
    assert_eq!(login.body["expires_at"], "2026-12-25T04:00:00Z", "720 hours after the start");
    let token = login.body["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("cc_"));
    let me = app.get("/api/v1/accounts/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["role"], "consumer");

    for (who, password) in [("lin.consumer", "the wrong password"), ("nobody-here", "a long enough password")] {
        let bad = app.post("/api/v1/auth/token", None, json!({"username": who, "password": password})).await;
        assert_eq!((bad.status, bad.code()), (401, "invalid_credentials"), "{who}: {}", bad.body);
        assert_eq!(bad.content_type, PROBLEM);
    }

    // Revoking one token leaves the account's other tokens working.
    let second = app.login("lin.consumer", "a long enough password").await;
    let out = app.delete("/api/v1/auth/token", Some(&token)).await;
    assert_eq!(out.status, 204, "{}", out.body);
    let me = app.get("/api/v1/accounts/me", Some(&token)).await;
    assert_eq!((me.status, me.code()), (401, "unauthorized"), "{}", me.body);
    let again = app.delete("/api/v1/auth/token", Some(&token)).await;
    assert_eq!((again.status, again.code()), (401, "unauthorized"), "{}", again.body);
    // A revoked token is refused even where a token is optional.
    let public = app.get("/api/v1/anchors/anc_00000000000000000000000000000000", Some(&token)).await;
    assert_eq!((public.status, public.code()), (401, "unauthorized"), "{}", public.body);
    assert_eq!(app.get("/api/v1/accounts/me", Some(&second)).await.status, 200);

    // Expiry: still valid just before 720 hours, refused after.
    app.clock.advance(Duration::hours(719));
    assert_eq!(app.get("/api/v1/accounts/me", Some(&second)).await.status, 200);
    app.clock.advance(Duration::hours(2));
    let me = app.get("/api/v1/accounts/me", Some(&second)).await;
    assert_eq!((me.status, me.code()), (401, "unauthorized"), "{}", me.body);
    // A fresh login works again.
    let third = app.login("lin.consumer", "a long enough password").await;
    assert_eq!(app.get("/api/v1/accounts/me", Some(&third)).await.status, 200);
}

#[tokio::test]
async fn a_token_expires_after_721_hours() {
    let app = TestApp::spawn().await;
    let token = app.user(Role::Merchant).await;
    assert_eq!(app.get("/api/v1/accounts/me", Some(&token)).await.status, 200);
    app.clock.advance(Duration::hours(721));
    let me = app.get("/api/v1/accounts/me", Some(&token)).await;
    assert_eq!((me.status, me.code()), (401, "unauthorized"), "{}", me.body);
    let write = app.post("/api/v1/merchants", Some(&token), party_body("杭州好物电子商务有限公司", 1)).await;
    assert_eq!((write.status, write.code()), (401, "unauthorized"), "{}", write.body);
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused() {
    let app = TestApp::spawn().await;
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "cc_without_scheme", "Bearer cc_not_a_real_token"] {
        let res = app
            .client
            .get(format!("{}/api/v1/accounts/me", app.base))
            .header("authorization", value)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 401, "{value}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer", "{value}");
        let body: Value = res.json().await.expect("problem body");
        assert_eq!(body["code"], "unauthorized", "{value}");
    }
}

#[tokio::test]
async fn staff_roles_are_not_self_service_and_user_names_are_unique() {
    let app = TestApp::spawn().await;
    for role in ["operator", "regulator"] {
        let a = sign_up(&app, &format!("sneaky-{role}"), role).await;
        assert_eq!((a.status, a.code(), a.field()), (403, "role_not_self_service", "role"), "{}", a.body);
        assert_eq!(a.content_type, PROBLEM);
        // No account was made: the name is still free and cannot log in.
        let login = app
            .post(
                "/api/v1/auth/token",
                None,
                json!({"username": format!("sneaky-{role}"), "password": "a long enough password"}),
            )
            .await;
        assert_eq!((login.status, login.code()), (401, "invalid_credentials"));
    }

    for role in ["consumer", "merchant", "room_operator", "anchor", "agency"] {
        let a = sign_up(&app, &format!("self-{role}"), role).await;
        assert_eq!(a.status, 201, "{role}: {}", a.body);
        assert_eq!(a.body["role"], role);
    }

    for name in ["self-consumer", "Self-Consumer"] {
        let dup = sign_up(&app, name, "merchant").await;
        assert_eq!((dup.status, dup.code()), (409, "username_taken"), "{name}: {}", dup.body);
        assert_eq!(dup.content_type, PROBLEM);
    }
    // The original account is untouched.
    let token = app.login("self-consumer", "a long enough password").await;
    let me = app.get("/api/v1/accounts/me", Some(&token)).await;
    assert_eq!(me.body["role"], "consumer");
}

#[tokio::test]
async fn a_logout_on_another_server_reaches_this_one_at_the_next_sync() {
    let app = TestApp::spawn().await;
    let token = app.user(Role::Consumer).await;
    assert_eq!(app.get("/api/v1/accounts/me", Some(&token)).await.status, 200, "now held in memory");
    assert!(!app.state.caches.sessions.is_empty());
    // Another server revokes the token in the shared database; this one still holds it.
    let hash = clearcast_server::auth::token_hash(&token);
    app.clock.advance(Duration::seconds(5));
    assert!(app.state.store.revoke_token(&hash, app.clock_now()).await.unwrap());
    app.clock.advance(Duration::seconds(1));
    let dropped = app.state.caches.sessions.sync(app.state.store.as_ref(), app.clock_now()).await.unwrap();
    assert!(dropped >= 1);
    let me = app.get("/api/v1/accounts/me", Some(&token)).await;
    assert_eq!((me.status, me.code()), (401, "unauthorized"), "{}", me.body);

    // A server that starts later loads the live tokens only.
    let fresh = app.user(Role::Consumer).await;
    let other = clearcast_server::sessions::Sessions::default();
    other.warm(app.state.store.as_ref(), app.clock_now()).await.unwrap();
    assert!(other.get(&clearcast_server::auth::token_hash(&fresh), app.clock_now()).is_some());
    assert!(other.get(&hash, app.clock_now()).is_none());
}
