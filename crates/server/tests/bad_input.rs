//! Every class of bad input, and what the API answers: a 4xx `application/problem+json` with a
//! stable `code` and `errors[0]` naming the field (where there is one), never a 500, and nothing
//! written: after each refused write every collection is listed again and must be unchanged.
//!
//! Most tests are tables: a valid body, and per row a patch that breaks one thing and the field
//! error it must produce.

mod common;

use std::collections::BTreeMap;

use clearcast_domain::account::Role;
use common::{id_number, party_body, uscc, Answer, TestApp};
use serde_json::{json, Value};

const PROBLEM: &str = "application/problem+json";
const ZEROS: &str = "00000000000000000000000000000000";

// ---------------------------------------------------------------------------------------------
// Fixture and checks
// ---------------------------------------------------------------------------------------------

fn created_id(a: &Answer, what: &str) -> String {
    assert_eq!(a.status, 201, "{what}: {}", a.body);
    a.body["id"].as_str().expect("id").to_string()
}

/// An anchor registration for someone born on `birth` (YYYYMMDD).
fn anchor_body(birth: &str, n: u32) -> Value {
    let date = format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]);
    json!({"real_name": "李佳", "id_number": id_number(birth, n), "birth_date": date,
           "address": "上海市徐汇区漕溪北路 1 号", "contact": "13800000000"})
}

fn product_body(goods_owner: &str) -> Value {
    json!({"goods_owner_id": goods_owner, "title": "东北五常大米", "category": "food",
           "price_minor": 5990, "unit": "袋 (5 kg)", "stock": 100})
}

fn qualification_body() -> Value {
    json!({"kind": "ccc_certificate", "number": "N-1", "issuer": "CQC",
           "valid_from": "2026-01-01", "valid_until": "2028-01-01"})
}

/// `base` with `patch`'s keys set (a `null` in `patch` removes the key).
fn with(base: &Value, patch: Value) -> Value {
    let mut v = base.clone();
    let obj = v.as_object_mut().expect("object body");
    for (k, x) in patch.as_object().expect("object patch") {
        if x.is_null() {
            obj.remove(k);
        } else {
            obj.insert(k.clone(), x.clone());
        }
    }
    v
}

/// Replaces the last character of a code by another one of the same alphabet.
fn wrong_check(code: &str) -> String {
    let (head, last) = code.split_at(code.len() - 1);
    format!("{head}{}", if last == "0" { "1" } else { "0" })
}

/// Asserts a problem answer exactly: status, media type, `code`, and the first field error
/// (`("", "")` means the answer names no field: `errors` is empty).
fn problem(what: &str, a: &Answer, status: u16, code: &str, field: (&str, &str)) {
    assert!(a.status < 500, "{what}: server error {} {}", a.status, a.body);
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert_eq!(a.content_type, PROBLEM, "{what}: {}", a.body);
    assert_eq!(a.body["status"], status, "{what}: {}", a.body);
    assert_eq!(a.code(), code, "{what}: {}", a.body);
    let problem_type = format!("https://clearcast.dev/problems/{code}");
    assert_eq!(a.body["type"], problem_type, "{what}");
    if field.0.is_empty() {
        assert_eq!(a.body["errors"], json!([]), "{what}: expected no field errors");
    } else {
        assert_eq!(a.field(), field.0, "{what}: {}", a.body);
        assert_eq!(a.body["errors"][0]["code"], field.1, "{what}: {}", a.body);
    }
}

/// The merchant list, one of the collections [`Fx::snapshot`] counts.
const MERCHANTS: &str = "/api/v1/merchants?limit=200";

/// A platform with one of everything, plus accounts that have registered nothing yet (so a
/// refusal cannot be blamed on "already registered").
struct Fx {
    app: TestApp,
    op: String,
    merchant_token: String,
    merchant: String,
    goods_owner: String,
    product: String,
    room_token: String,
    room: String,
    anchor_token: String,
    anchor: String,
    /// A merchant account without a merchant.
    new_merchant: String,
    /// An anchor account without a profile.
    new_anchor: String,
}

impl Fx {
    async fn new() -> Fx {
        let app = TestApp::spawn().await;
        let op = app.user(Role::Operator).await;
        let mt = app.user(Role::Merchant).await;
        let m = app.post("/api/v1/merchants", Some(&mt), party_body("杭州好物电子商务有限公司", 1)).await;
        let g = app.post("/api/v1/goods-owners", Some(&mt), party_body("好物品牌管理有限公司", 2)).await;
        let goods_owner = created_id(&g, "goods owner");
        let p = app.post("/api/v1/products", Some(&mt), product_body(&goods_owner)).await;
        let room_token = app.user(Role::RoomOperator).await;
        let r = app.post("/api/v1/room-operators", Some(&room_token), party_body("好物直播有限公司", 3)).await;
        let anchor_token = app.user(Role::Anchor).await;
        let a = app.post("/api/v1/anchors", Some(&anchor_token), anchor_body("19950101", 1)).await;
        Fx {
            merchant: created_id(&m, "merchant"),
            product: created_id(&p, "product"),
            room: created_id(&r, "room operator"),
            anchor: created_id(&a, "anchor"),
            new_merchant: app.user(Role::Merchant).await,
            new_anchor: app.user(Role::Anchor).await,
            app,
            op,
            merchant_token: mt,
            goods_owner,
            room_token,
            anchor_token,
        }
    }

    /// The size of every collection and of the audit trail.
    async fn snapshot(&self) -> BTreeMap<String, usize> {
        let (p, a, r) = (&self.product, &self.anchor, &self.room);
        let mut counts = BTreeMap::new();
        for path in [
            MERCHANTS.to_string(),
            "/api/v1/goods-owners?limit=200".into(),
            "/api/v1/room-operators?limit=200".into(),
            "/api/v1/agencies?limit=200".into(),
            "/api/v1/anchors?limit=200".into(),
            "/api/v1/products?limit=200".into(),
            format!("/api/v1/products/{p}/qualifications"),
            format!("/api/v1/products/{p}/inspections"),
            format!("/api/v1/anchors/{a}/training"),
            format!("/api/v1/room-operators/{r}/roster"),
            "/api/v1/audit?limit=1000".into(),
        ] {
            let l = self.app.get(&path, Some(&self.op)).await;
            assert_eq!(l.status, 200, "{path}: {}", l.body);
            let n = l.body["items"].as_array().expect("items").len();
            counts.insert(path, n);
        }
        counts
    }

    /// Asserts `a` is the expected problem and that nothing was written since `before`.
    async fn refused(
        &self,
        before: &BTreeMap<String, usize>,
        what: &str,
        a: Answer,
        (status, code): (u16, &str),
        field: (&str, &str),
    ) {
        problem(what, &a, status, code, field);
        let now = self.snapshot().await;
        assert_eq!(&now, before, "{what}: a refused write changed a collection");
    }

    /// POSTs `base` patched by each row to `path` and expects 422 `validation_failed` naming the
    /// row's field, with nothing written.
    async fn patches(&self, path: &str, token: &str, base: &Value, rows: Vec<(&str, Value, (&str, &str))>) {
        let before = self.snapshot().await;
        for (what, patch, field) in rows {
            let a = self.app.post(path, Some(token), with(base, patch)).await;
            self.refused(&before, what, a, (422, "validation_failed"), field).await;
        }
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.app.post(path, Some(token), body).await
    }

    async fn raw(&self, path: &str, token: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        self.app.post_raw(path, Some(token), content_type, body.into()).await
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies that are not the expected JSON
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_400_malformed_json() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let valid = serde_json::to_string(&party_body("新商户有限公司", 10)).expect("json");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("cut short", r#"{"legal_name": "新商户有限公司", "uscc": "#.as_bytes().to_vec()),
        ("not JSON at all", b"legal_name=x".to_vec()),
        ("single quotes", b"{'legal_name': 'x'}".to_vec()),
        ("trailing garbage after a valid body", format!("{valid} x").into_bytes()),
        ("two bodies", format!("{valid}{valid}").into_bytes()),
        ("invalid UTF-8", b"{\"legal_name\": \"\xff\xfe\"}".to_vec()),
        ("a lone surrogate", br#"{"legal_name": "\ud800"}"#.to_vec()),
    ];
    for (what, body) in cases {
        let a = fx.raw("/api/v1/merchants", &fx.new_merchant, "application/json", body).await;
        fx.refused(&before, what, a, (400, "malformed_json"), ("body", "malformed_json")).await;
    }
    // An empty body means "no fields" (so `POST …/verify` with nothing approves); here the
    // required fields are then missing, and the first is named.
    let a = fx.raw("/api/v1/merchants", &fx.new_merchant, "application/json", Vec::new()).await;
    fx.refused(&before, "empty body", a, (422, "validation_failed"), ("legal_name", "required")).await;
}

#[tokio::test]
async fn missing_fields_are_named() {
    let fx = Fx::new().await;
    let (p, mt) = (&fx.product, fx.merchant_token.as_str());
    let party = party_body("新商户有限公司", 10);
    fx.patches(
        "/api/v1/merchants",
        &fx.new_merchant,
        &party,
        vec![
            ("merchant without address", json!({"address": null}), ("address", "required")),
            ("merchant without legal_name", json!({"legal_name": null}), ("legal_name", "required")),
            ("merchant without contact", json!({"contact": null}), ("contact", "required")),
        ],
    )
    .await;
    fx.patches(
        "/api/v1/products",
        mt,
        &product_body(&fx.goods_owner),
        vec![
            ("product without title", json!({"title": null}), ("title", "required")),
            ("product without goods owner", json!({"goods_owner_id": null}), ("goods_owner_id", "required")),
            ("product without price", json!({"price_minor": null}), ("price_minor", "required")),
            (
                "variant without stock",
                json!({"stock": null, "variants": [{"label": "S"}]}),
                ("variants[0].stock", "required"),
            ),
        ],
    )
    .await;
    fx.patches(
        "/api/v1/anchors",
        &fx.new_anchor,
        &anchor_body("19950101", 20),
        vec![
            ("anchor without birth_date", json!({"birth_date": null}), ("birth_date", "required")),
            ("anchor without id_number", json!({"id_number": null}), ("id_number", "required")),
        ],
    )
    .await;
    fx.patches(
        &format!("/api/v1/products/{p}/qualifications"),
        mt,
        &qualification_body(),
        vec![("qualification without valid_until", json!({"valid_until": null}), ("valid_until", "required"))],
    )
    .await;
    fx.patches(
        &format!("/api/v1/anchors/{}/blacklist", fx.anchor),
        &fx.op,
        &json!({"reason": "多次虚假宣传"}),
        vec![("blacklist without reason", json!({"reason": null}), ("reason", "required"))],
    )
    .await;
    fx.patches(
        &format!("/api/v1/room-operators/{}/roster", fx.room),
        &fx.room_token,
        &json!({"anchor_id": fx.anchor}),
        vec![("roster entry without anchor_id", json!({"anchor_id": null}), ("anchor_id", "required"))],
    )
    .await;
}

/// Unknown fields are refused with `unknown_field`, and nothing is written. (That the field
/// error names the right path is checked in `unknown_fields_are_named_by_their_path`, which
/// fails today: see there.)
#[tokio::test]
async fn unknown_fields_are_refused() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    for (what, path, token, body, name) in unknown_field_cases(&fx) {
        let a = fx.app.post(&path, Some(token), body).await;
        problem(what, &a, 422, "validation_failed", (a.field(), "unknown_field"));
        let message = a.body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(
            message.starts_with(&format!("unknown field `{}`", name.rsplit('.').next().unwrap_or(name))),
            "{what}: {}",
            a.body
        );
        assert_eq!(fx.snapshot().await, before, "{what}: a refused write changed a collection");
    }
}

/// An unknown field is named by its path (`nickname`, `licences[0].colour`), never doubled.
#[tokio::test]
async fn unknown_fields_are_named_by_their_path() {
    let fx = Fx::new().await;
    for (what, path, token, body, name) in unknown_field_cases(&fx) {
        let a = fx.app.post(&path, Some(token), body).await;
        problem(what, &a, 422, "validation_failed", (name, "unknown_field"));
    }
}

type UnknownFieldCase<'a> = (&'static str, String, &'a str, Value, &'static str);

fn unknown_field_cases(fx: &Fx) -> Vec<UnknownFieldCase<'_>> {
    let party = party_body("新商户有限公司", 10);
    let licence = json!({"kind": "营业执照", "number": "1", "issuer": "杭州市场监管局", "colour": "red"});
    let variant = json!({"label": "S", "stock": 1, "sku": "x"});
    let account =
        json!({"username": "new-user", "password": "a long enough password", "role": "consumer", "is_admin": true});
    let m = &fx.merchant;
    vec![
        (
            "unknown top-level field",
            "/api/v1/merchants".into(),
            fx.new_merchant.as_str(),
            with(&party, json!({"nickname": "x"})),
            "nickname",
        ),
        (
            "unknown field in a licence",
            "/api/v1/merchants".into(),
            fx.new_merchant.as_str(),
            with(&party, json!({"licences": [licence]})),
            "licences[0].colour",
        ),
        (
            "unknown field in a variant",
            "/api/v1/products".into(),
            fx.merchant_token.as_str(),
            with(&product_body(&fx.goods_owner), json!({"stock": null, "variants": [variant]})),
            "variants[0].sku",
        ),
        (
            "unknown field in a decision",
            format!("/api/v1/merchants/{m}/verify"),
            fx.op.as_str(),
            json!({"decision": "approve", "until": "2030-01-01"}),
            "until",
        ),
        ("unknown field in a sign-up", "/api/v1/accounts".into(), fx.op.as_str(), account, "is_admin"),
    ]
}

/// A JSON array is refused in place of the object (serde's derived structs would read it
/// positionally).
#[tokio::test]
async fn arrays_are_not_objects() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let positional = json!(["数组商户有限公司", uscc(77), null, "杭州市西湖区", "0571-88880000", []]);
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, positional).await;
    fx.refused(&before, "positional array", a, (422, "validation_failed"), ("body", "invalid_type")).await;
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, json!([party_body("新商户有限公司", 10)])).await;
    fx.refused(&before, "array of an object", a, (422, "validation_failed"), ("body", "invalid_type")).await;
}

#[tokio::test]
async fn wrong_types_and_values_are_named() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, Value::Null).await;
    fx.refused(&before, "null body", a, (422, "validation_failed"), ("body", "invalid_type")).await;
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, json!("a string")).await;
    fx.refused(&before, "string body", a, (422, "validation_failed"), ("body", "invalid_type")).await;
    fx.patches(
        "/api/v1/products",
        &fx.merchant_token,
        &product_body(&fx.goods_owner),
        vec![
            ("price as a string", json!({"price_minor": "59.90"}), ("price_minor", "invalid_type")),
            ("price as a float", json!({"price_minor": 59.9}), ("price_minor", "invalid_type")),
            ("stock beyond i64", json!({"stock": 1e30}), ("stock", "invalid_type")),
            ("title as a number", json!({"title": 5}), ("title", "invalid_type")),
            ("variants as an object", json!({"stock": null, "variants": {"S": 1}}), ("variants", "invalid_type")),
        ],
    )
    .await;
    let m = &fx.merchant;
    fx.patches(
        &format!("/api/v1/merchants/{m}/verify"),
        &fx.op,
        &json!({"decision": "approve"}),
        vec![
            ("unknown decision", json!({"decision": "maybe"}), ("decision", "unknown_value")),
            ("rejection without a note", json!({"decision": "reject"}), ("note", "required")),
            ("rejection with a blank note", json!({"decision": "reject", "note": "  "}), ("note", "required")),
            ("note over 1000 characters", json!({"note": "x".repeat(1001)}), ("note", "too_long")),
        ],
    )
    .await;
    fx.patches(
        &format!("/api/v1/anchors/{}/blacklist", fx.anchor),
        &fx.op,
        &json!({"reason": "多次虚假宣传"}),
        vec![("blank blacklist reason", json!({"reason": "   "}), ("reason", "required"))],
    )
    .await;
}

#[tokio::test]
async fn text_fields_are_bounded_and_clean() {
    let fx = Fx::new().await;
    let licences: Vec<Value> =
        (0..51).map(|i| json!({"kind": "许可证", "number": i.to_string(), "issuer": "局"})).collect();
    let blank_issuer = json!([{"kind": "营业执照", "number": "1", "issuer": " "}]);
    fx.patches(
        "/api/v1/merchants",
        &fx.new_merchant,
        &party_body("新商户有限公司", 10),
        vec![
            ("blank legal name", json!({"legal_name": "   "}), ("legal_name", "required")),
            ("legal name of 201 characters", json!({"legal_name": "商".repeat(201)}), ("legal_name", "too_long")),
            ("NUL in contact", json!({"contact": "0571\u{0}8888"}), ("contact", "control_characters")),
            ("newline in address", json!({"address": "杭州\n西湖"}), ("address", "control_characters")),
            ("blank licence issuer", json!({"licences": blank_issuer}), ("licences[0].issuer", "required")),
            ("51 licences", json!({"licences": licences}), ("licences", "too_many")),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Identity numbers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn party_identities_are_checked() {
    let fx = Fx::new().await;
    let bad = wrong_check(&uscc(10));
    let person = id_number("19800101", 5);
    // A correct check character over a 13th month.
    let first17 = "33010619801301005";
    let check = clearcast_domain::id_number::check_character(first17.as_bytes()).expect("17 digits");
    let impossible_birth = format!("{first17}{check}");
    let rows = || {
        vec![
            ("USCC check character", json!({"uscc": bad}), ("uscc", "invalid_check_character")),
            ("USCC of 17 characters", json!({"uscc": &uscc(10)[..17]}), ("uscc", "invalid_length")),
            ("USCC with an I", json!({"uscc": format!("{}I", &uscc(10)[..17])}), ("uscc", "invalid_character")),
            ("neither uscc nor id_number", json!({"uscc": null}), ("uscc", "required")),
            ("both uscc and id_number", json!({"id_number": person}), ("uscc", "exclusive")),
            (
                "ID number check character",
                json!({"uscc": null, "id_number": wrong_check(&person)}),
                ("id_number", "invalid_check_character"),
            ),
            (
                "ID number with an impossible birth date",
                json!({"uscc": null, "id_number": impossible_birth}),
                ("id_number", "invalid_birth_date"),
            ),
        ]
    };
    let party = party_body("新商户有限公司", 10);
    fx.patches("/api/v1/merchants", &fx.new_merchant, &party, rows()).await;
    fx.patches("/api/v1/goods-owners", &fx.merchant_token, &party, rows()).await;
    let new_room = fx.app.user(Role::RoomOperator).await;
    fx.patches("/api/v1/room-operators", &new_room, &party, rows()).await;
    let new_agency = fx.app.user(Role::Agency).await;
    fx.patches("/api/v1/agencies", &new_agency, &party, rows()).await;
}

#[tokio::test]
async fn anchor_identities_are_checked() {
    let fx = Fx::new().await;
    let body = anchor_body("19950101", 30);
    let bad_id = wrong_check(body["id_number"].as_str().expect("id"));
    let sixteen = anchor_body("20100101", 32);
    let guardian = json!({"guardian_name": "李强", "relationship": "father", "signed_on": "2026-12-01"});
    fx.patches(
        "/api/v1/anchors",
        &fx.new_anchor,
        &body,
        vec![
            ("ID number check character", json!({"id_number": bad_id}), ("id_number", "invalid_check_character")),
            ("ID number of 17 digits", json!({"id_number": &bad_id[..17]}), ("id_number", "invalid_length")),
            ("birth date differs", json!({"birth_date": "1995-01-02"}), ("birth_date", "birth_date_mismatch")),
            ("unknown agency", json!({"agency_id": format!("agy_{ZEROS}")}), ("agency_id", "unknown_agency")),
            ("agency id of a merchant", json!({"agency_id": fx.merchant}), ("agency_id", "wrong_id_prefix")),
            ("blank stage name", json!({"stage_name": " "}), ("stage_name", "required")),
        ],
    )
    .await;
    fx.patches(
        "/api/v1/anchors",
        &fx.new_anchor,
        &sixteen,
        vec![
            ("anchor of 16 without a guardian", json!({}), ("guardian_consent", "required")),
            (
                "guardian consent signed in the future",
                json!({"guardian_consent": guardian}),
                ("guardian_consent.signed_on", "in_future"),
            ),
        ],
    )
    .await;
    let before = fx.snapshot().await;
    let a = fx.post("/api/v1/anchors", &fx.new_anchor, anchor_body("20120101", 31)).await;
    fx.refused(&before, "anchor under 16", a, (422, "validation_failed"), ("birth_date", "under_age")).await;
}

// ---------------------------------------------------------------------------------------------
// Products and documents
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn prices_stock_categories_and_goods_owners_are_checked() {
    let fx = Fx::new().await;
    let product = product_body(&fx.goods_owner);
    let variants = |v: Value| json!({"stock": null, "variants": v});
    fx.patches(
        "/api/v1/products",
        &fx.merchant_token,
        &product,
        vec![
            ("zero price", json!({"price_minor": 0}), ("price_minor", "must_be_positive")),
            ("negative price", json!({"price_minor": -100}), ("price_minor", "must_be_positive")),
            ("price above the ceiling", json!({"price_minor": 10_000_000_001_i64}), ("price_minor", "too_large")),
            ("negative stock", json!({"stock": -1}), ("stock", "negative")),
            ("stock above the ceiling", json!({"stock": 100_000_001}), ("stock", "too_large")),
            (
                "negative variant stock",
                variants(json!([{"label": "S", "stock": 3}, {"label": "M", "stock": -5}])),
                ("variants[1].stock", "negative"),
            ),
            (
                "negative first variant stock",
                variants(json!([{"label": "S", "stock": -5}])),
                ("variants[0].stock", "negative"),
            ),
            (
                "zero variant price",
                variants(json!([{"label": "S", "stock": 1, "price_minor": 0}])),
                ("variants[0].price_minor", "must_be_positive"),
            ),
            (
                "variant labels equal but for case",
                variants(json!([{"label": "XL", "stock": 1}, {"label": "xl", "stock": 1}])),
                ("variants[1].label", "duplicate"),
            ),
            ("stock and variants", json!({"variants": [{"label": "S", "stock": 1}]}), ("stock", "exclusive")),
            ("neither stock nor variants", json!({"stock": null}), ("stock", "required")),
            ("unknown category", json!({"category": "weapons"}), ("category", "unknown_value")),
            ("unknown currency", json!({"currency": "USD"}), ("currency", "unknown_value")),
            ("blank unit", json!({"unit": " "}), ("unit", "required")),
            (
                "goods owner id of a merchant",
                json!({"goods_owner_id": fx.merchant}),
                ("goods_owner_id", "wrong_id_prefix"),
            ),
            ("malformed goods owner id", json!({"goods_owner_id": "gdo_xyz"}), ("goods_owner_id", "malformed_id")),
            (
                "goods owner that does not exist",
                json!({"goods_owner_id": format!("gdo_{ZEROS}")}),
                ("goods_owner_id", "unknown_goods_owner"),
            ),
        ],
    )
    .await;
    fx.patches(
        "/api/v1/products",
        &fx.op,
        &product,
        vec![
            ("operator without merchant_id", json!({}), ("merchant_id", "required")),
            (
                "operator naming an unknown merchant",
                json!({"merchant_id": format!("mer_{ZEROS}")}),
                ("merchant_id", "unknown_merchant"),
            ),
            (
                "operator naming a goods owner as merchant",
                json!({"merchant_id": fx.goods_owner}),
                ("merchant_id", "wrong_id_prefix"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn document_dates_out_of_order_or_in_the_future_are_refused() {
    let fx = Fx::new().await;
    let (p, mt) = (&fx.product, fx.merchant_token.as_str());
    fx.patches(
        &format!("/api/v1/products/{p}/qualifications"),
        mt,
        &qualification_body(),
        vec![
            ("valid_until before valid_from", json!({"valid_until": "2025-12-31"}), ("valid_until", "before_start")),
            ("no such day", json!({"valid_from": "2026-02-30"}), ("valid_from", "invalid_type")),
            ("not a date", json!({"valid_until": "next year"}), ("valid_until", "invalid_type")),
            ("unknown kind", json!({"kind": "vibes"}), ("kind", "unknown_value")),
            ("blank issuer", json!({"issuer": ""}), ("issuer", "required")),
        ],
    )
    .await;
    // It is 2026-11-25 12:00 in China.
    fx.patches(
        &format!("/api/v1/products/{p}/inspections"),
        mt,
        &json!({"lab": "SGS", "report_number": "R-1", "inspected_on": "2026-11-01", "passed": true}),
        vec![
            ("inspected tomorrow", json!({"inspected_on": "2026-11-26"}), ("inspected_on", "in_future")),
            ("inspected next year", json!({"inspected_on": "2027-01-01"}), ("inspected_on", "in_future")),
            ("valid_until before inspected_on", json!({"valid_until": "2026-10-31"}), ("valid_until", "before_start")),
            ("passed as a string", json!({"passed": "yes"}), ("passed", "invalid_type")),
            ("blank lab", json!({"lab": " "}), ("lab", "required")),
        ],
    )
    .await;
    fx.patches(
        &format!("/api/v1/anchors/{}/training", fx.anchor),
        &fx.op,
        &json!({"kind": "pre_first_show", "completed_on": "2026-11-20", "provider": "平台学院", "hours": 2}),
        vec![
            ("training tomorrow", json!({"completed_on": "2026-11-26"}), ("completed_on", "in_future")),
            ("zero hours", json!({"hours": 0}), ("hours", "out_of_range")),
            ("201 hours", json!({"hours": 201}), ("hours", "out_of_range")),
            ("negative hours", json!({"hours": -1}), ("hours", "invalid_type")),
            ("category training without category", json!({"kind": "category"}), ("category", "required")),
            (
                "annual training with a category",
                json!({"kind": "annual", "category": "food"}),
                ("category", "not_allowed"),
            ),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Transport: size, media type, routes, methods, queries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn oversized_bodies_are_413() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    for size in [3 * 1024 * 1024, 256 * 1024 + 1] {
        let filler = "a".repeat(size);
        let body =
            format!(r#"{{"legal_name": "{filler}", "uscc": "{}", "address": "杭州", "contact": "1"}}"#, uscc(10));
        let a = fx.raw("/api/v1/merchants", &fx.new_merchant, "application/json", body).await;
        let what = format!("body of {size} bytes");
        fx.refused(&before, &what, a, (413, "body_too_large"), ("body", "too_large")).await;
    }
}

#[tokio::test]
async fn non_json_media_types_are_415() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let valid = serde_json::to_vec(&party_body("新商户有限公司", 10)).expect("json");
    let field = ("content-type", "unsupported_media_type");
    for ct in
        ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"]
    {
        let a = fx.raw("/api/v1/merchants", &fx.new_merchant, ct, valid.clone()).await;
        fx.refused(&before, ct, a, (415, "unsupported_media_type"), field).await;
    }
    // No content type at all.
    let res = fx
        .app
        .client
        .post(format!("{}/api/v1/merchants", fx.app.base))
        .bearer_auth(&fx.new_merchant)
        .body(valid)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 415);
    assert_eq!(res.headers()["content-type"], PROBLEM);
    let body: Value = res.json().await.expect("problem");
    assert_eq!(body["code"], "unsupported_media_type");
    assert_eq!(body["errors"][0]["field"], "content-type");
    assert_eq!(fx.snapshot().await, before);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let fx = Fx::new().await;
    let app = &fx.app;
    for path in ["/api/v1/nope", "/api/v2/merchants", "/nope", "/api/v1/merchants/x/y/z"] {
        let a = app.get(path, None).await;
        problem(&format!("GET {path}"), &a, 404, "not_found", ("", ""));
        let a = app.post(path, Some(&fx.op), json!({})).await;
        problem(&format!("POST {path}"), &a, 404, "not_found", ("", ""));
    }
    let before = fx.snapshot().await;
    let (p, m) = (&fx.product, &fx.merchant);
    for path in [
        "/api/v1/merchants".to_string(),
        format!("/api/v1/products/{p}"),
        format!("/api/v1/merchants/{m}/verify"),
        "/api/v1/audit".into(),
    ] {
        let a = app.delete(&path, Some(&fx.op)).await;
        let what = format!("DELETE {path}");
        fx.refused(&before, &what, a, (405, "method_not_allowed"), ("", "")).await;
    }
    let a = app.get(&format!("/api/v1/merchants/{m}/verify"), Some(&fx.op)).await;
    problem("GET on verify", &a, 405, "method_not_allowed", ("", ""));

    // PUT and PATCH on a resource; the answer says what is allowed.
    for method in [reqwest::Method::PUT, reqwest::Method::PATCH] {
        let res = app
            .client
            .request(method.clone(), format!("{}/api/v1/merchants", app.base))
            .bearer_auth(&fx.op)
            .json(&party_body("新商户有限公司", 10))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 405, "{method}");
        assert_eq!(res.headers()["content-type"], PROBLEM, "{method}");
        let allow = res.headers()["allow"].to_str().expect("allow").to_string();
        let mut allowed: Vec<_> = allow.split(',').map(str::trim).collect();
        allowed.sort_unstable();
        assert_eq!(allowed, ["GET", "HEAD", "POST"], "{method}");
        let body: Value = res.json().await.expect("problem");
        assert_eq!(body["code"], "method_not_allowed", "{method}");
    }
    assert_eq!(fx.snapshot().await, before);
}

#[tokio::test]
async fn bad_query_strings_are_400() {
    let fx = Fx::new().await;
    let app = &fx.app;
    let op = Some(fx.op.as_str());
    let (p, r) = (&fx.product, &fx.room);
    let cases = [
        ("/api/v1/merchants?limit=0".to_string(), "invalid_query", ("limit", "out_of_range")),
        ("/api/v1/merchants?limit=201".into(), "invalid_query", ("limit", "out_of_range")),
        ("/api/v1/anchors?limit=0".into(), "invalid_query", ("limit", "out_of_range")),
        ("/api/v1/products?limit=0".into(), "invalid_query", ("limit", "out_of_range")),
        ("/api/v1/merchants?limit=abc".into(), "invalid_query", ("limit", "invalid_query")),
        ("/api/v1/merchants?limit=-1".into(), "invalid_query", ("limit", "invalid_query")),
        ("/api/v1/merchants?page=2".into(), "invalid_query", ("page", "invalid_query")),
        ("/api/v1/products?category=weapons".into(), "invalid_query", ("category", "invalid_query")),
        ("/api/v1/audit?cursor=abc".into(), "invalid_query", ("cursor", "invalid_query")),
        (format!("/api/v1/products?seller={p}"), "invalid_id", ("seller", "wrong_id_prefix")),
        ("/api/v1/products?seller=mer_123".into(), "invalid_id", ("seller", "malformed_id")),
        (format!("/api/v1/products/{p}/eligibility?anchor={r}"), "invalid_id", ("anchor", "wrong_id_prefix")),
        (format!("/api/v1/products/{p}/eligibility?room={r}"), "invalid_query", ("room", "invalid_query")),
    ];
    for (path, code, field) in cases {
        let a = app.get(&path, op).await;
        problem(&path, &a, 400, code, field);
    }
    let a = app.get(&format!("/api/v1/products/{p}/eligibility?anchor=anc_{ZEROS}"), op).await;
    problem("eligibility of an unknown anchor", &a, 404, "not_found", ("anchor", "unknown_anchor"));
    let a = app.get(&format!("/api/v1/products/{p}/eligibility?room_operator=rop_{ZEROS}"), op).await;
    let field = ("room_operator", "unknown_room_operator");
    problem("eligibility in an unknown room", &a, 404, "not_found", field);
}

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_wrong_prefix_and_malformed_ids_in_paths() {
    let fx = Fx::new().await;
    let app = &fx.app;
    let op = Some(fx.op.as_str());
    let (p, m) = (&fx.product, &fx.merchant);

    // Unknown: well-formed ids of the right kind that name nothing.
    for path in [
        format!("/api/v1/products/prd_{ZEROS}"),
        format!("/api/v1/products/prd_{ZEROS}/qualifications"),
        format!("/api/v1/products/prd_{ZEROS}/inspections"),
        format!("/api/v1/products/prd_{ZEROS}/eligibility"),
        format!("/api/v1/merchants/mer_{ZEROS}"),
        format!("/api/v1/goods-owners/gdo_{ZEROS}"),
        format!("/api/v1/room-operators/rop_{ZEROS}"),
        format!("/api/v1/room-operators/rop_{ZEROS}/roster"),
        format!("/api/v1/agencies/agy_{ZEROS}"),
        format!("/api/v1/anchors/anc_{ZEROS}"),
        format!("/api/v1/anchors/anc_{ZEROS}/training"),
    ] {
        let a = app.get(&path, op).await;
        problem(&path, &a, 404, "not_found", ("", ""));
    }

    // Wrong prefix: an id of another kind.
    for path in [
        format!("/api/v1/products/{m}"),
        format!("/api/v1/merchants/{p}"),
        format!("/api/v1/goods-owners/{m}"),
        format!("/api/v1/room-operators/{m}"),
        format!("/api/v1/room-operators/{m}/roster"),
        format!("/api/v1/agencies/{m}"),
        format!("/api/v1/anchors/{m}"),
        format!("/api/v1/anchors/{m}/training"),
        format!("/api/v1/products/{m}/qualifications"),
        format!("/api/v1/products/{m}/inspections"),
        format!("/api/v1/products/{m}/eligibility"),
    ] {
        let a = app.get(&path, op).await;
        problem(&path, &a, 400, "invalid_id", ("id", "wrong_id_prefix"));
    }

    // Malformed: the right prefix without a UUID, or no prefix at all.
    for path in [
        "/api/v1/products/prd_nothex".to_string(),
        "/api/v1/products/garbage".into(),
        format!("/api/v1/products/prd_{}", &ZEROS[1..]),
        format!("/api/v1/products/prd_{ZEROS}0"),
        "/api/v1/products/prd_".into(),
        "/api/v1/merchants/%20".into(),
        "/api/v1/anchors/anc_%00".into(),
    ] {
        let a = app.get(&path, op).await;
        problem(&path, &a, 400, "invalid_id", ("id", "malformed_id"));
    }
}

#[tokio::test]
async fn writes_to_unknown_or_misnamed_ids_change_nothing() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let (p, m, r, an) = (&fx.product, &fx.merchant, &fx.room, &fx.anchor);
    let (mt, op, rt) = (fx.merchant_token.as_str(), fx.op.as_str(), fx.room_token.as_str());
    let approve = json!({"decision": "approve"});
    let training = json!({"kind": "annual", "completed_on": "2026-11-20", "provider": "平台学院", "hours": 2});
    let reason = json!({"reason": "多次虚假宣传"});
    let roster = format!("/api/v1/room-operators/{r}/roster");
    let not_found = ((404, "not_found"), ("", ""));
    let bad_id = |field| ((400, "invalid_id"), (field, "wrong_id_prefix"));
    let invalid = |field, code| ((422, "validation_failed"), (field, code));
    let cases = [
        (
            "qualification for an unknown product",
            format!("/api/v1/products/prd_{ZEROS}/qualifications"),
            mt,
            qualification_body(),
            not_found,
        ),
        (
            "qualification for a merchant id",
            format!("/api/v1/products/{m}/qualifications"),
            mt,
            qualification_body(),
            bad_id("id"),
        ),
        ("verify an unknown merchant", format!("/api/v1/merchants/mer_{ZEROS}/verify"), op, approve.clone(), not_found),
        (
            "verify an unknown goods owner",
            format!("/api/v1/goods-owners/gdo_{ZEROS}/verify"),
            op,
            approve.clone(),
            not_found,
        ),
        (
            "verify an unknown room operator",
            format!("/api/v1/room-operators/rop_{ZEROS}/verify"),
            op,
            approve.clone(),
            not_found,
        ),
        ("verify an unknown agency", format!("/api/v1/agencies/agy_{ZEROS}/verify"), op, approve.clone(), not_found),
        ("verify an unknown anchor", format!("/api/v1/anchors/anc_{ZEROS}/verify"), op, approve.clone(), not_found),
        (
            "verify an unknown qualification",
            format!("/api/v1/products/{p}/qualifications/qlf_{ZEROS}/verify"),
            op,
            approve.clone(),
            not_found,
        ),
        (
            "verify an unknown inspection",
            format!("/api/v1/products/{p}/inspections/ins_{ZEROS}/verify"),
            op,
            approve.clone(),
            not_found,
        ),
        (
            "verify a merchant by a product id",
            format!("/api/v1/merchants/{p}/verify"),
            op,
            approve.clone(),
            bad_id("id"),
        ),
        ("verify an anchor by a room id", format!("/api/v1/anchors/{r}/verify"), op, approve.clone(), bad_id("id")),
        (
            "verify a qualification by an inspection id",
            format!("/api/v1/products/{p}/qualifications/ins_{ZEROS}/verify"),
            op,
            approve.clone(),
            bad_id("qid"),
        ),
        (
            "verify an inspection by a qualification id",
            format!("/api/v1/products/{p}/inspections/qlf_{ZEROS}/verify"),
            op,
            approve.clone(),
            bad_id("iid"),
        ),
        (
            "training for an unknown anchor",
            format!("/api/v1/anchors/anc_{ZEROS}/training"),
            op,
            training.clone(),
            not_found,
        ),
        ("training for a merchant id", format!("/api/v1/anchors/{m}/training"), op, training.clone(), bad_id("id")),
        ("blacklist a merchant id", format!("/api/v1/anchors/{m}/blacklist"), op, reason.clone(), bad_id("id")),
        (
            "blacklist an unknown anchor",
            format!("/api/v1/anchors/anc_{ZEROS}/blacklist"),
            op,
            reason.clone(),
            not_found,
        ),
        (
            "roster of an unknown room",
            format!("/api/v1/room-operators/rop_{ZEROS}/roster"),
            op,
            json!({"anchor_id": an}),
            not_found,
        ),
        (
            "unknown anchor on a roster",
            roster.clone(),
            rt,
            json!({"anchor_id": format!("anc_{ZEROS}")}),
            invalid("anchor_id", "unknown_anchor"),
        ),
        (
            "merchant id as an anchor",
            roster.clone(),
            rt,
            json!({"anchor_id": m}),
            invalid("anchor_id", "wrong_id_prefix"),
        ),
        (
            "malformed anchor id",
            roster.clone(),
            rt,
            json!({"anchor_id": "anc_x"}),
            invalid("anchor_id", "malformed_id"),
        ),
        ("confirm a merchant id", format!("{roster}/{m}/confirm"), rt, json!({}), bad_id("anchor_id")),
        (
            "confirm an unverified anchor",
            format!("{roster}/{an}/confirm"),
            rt,
            json!({}),
            ((422, "anchor_unverified"), ("anchor_id", "anchor_unverified")),
        ),
    ];
    for (what, path, token, body, (status, field)) in cases {
        let a = fx.post(&path, token, body).await;
        fx.refused(&before, what, a, status, field).await;
    }

    // A verified anchor that is not on the roster, and one that does not exist.
    let v = fx.post(&format!("/api/v1/anchors/{an}/verify"), op, approve).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let before = fx.snapshot().await;
    let a = fx.post(&format!("{roster}/{an}/confirm"), rt, json!({})).await;
    fx.refused(&before, "confirm an anchor not on the roster", a, (404, "not_found"), ("", "")).await;
    let a = fx.post(&format!("{roster}/anc_{ZEROS}/confirm"), rt, json!({})).await;
    fx.refused(&before, "confirm an unknown anchor", a, (404, "not_found"), ("", "")).await;
}

// ---------------------------------------------------------------------------------------------
// Duplicates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn duplicate_registrations_are_409() {
    let fx = Fx::new().await;
    let other_merchant = fx.app.user(Role::Merchant).await;
    let lower = with(&party_body("另一家有限公司", 1), json!({"uscc": uscc(1).to_lowercase()}));
    let dup = (409, "duplicate_identity");
    let again = (409, "already_registered");
    // The fixture registered USCC 1 as a merchant, 2 as a goods owner, 3 as a room operator and
    // ID number 1 as an anchor.
    let cases = [
        (
            "same USCC from another account",
            "/api/v1/merchants",
            fx.new_merchant.as_str(),
            party_body("另一家有限公司", 1),
            dup,
        ),
        ("same USCC in lower case", "/api/v1/merchants", other_merchant.as_str(), lower, dup),
        (
            "second merchant for one account",
            "/api/v1/merchants",
            fx.merchant_token.as_str(),
            party_body("第二家有限公司", 40),
            again,
        ),
        (
            "same goods owner twice",
            "/api/v1/goods-owners",
            fx.merchant_token.as_str(),
            party_body("好物品牌管理有限公司", 2),
            dup,
        ),
        (
            "second room for one account",
            "/api/v1/room-operators",
            fx.room_token.as_str(),
            party_body("第二个直播间有限公司", 41),
            again,
        ),
        (
            "same ID number from another anchor",
            "/api/v1/anchors",
            fx.new_anchor.as_str(),
            anchor_body("19950101", 1),
            dup,
        ),
        ("second anchor profile", "/api/v1/anchors", fx.anchor_token.as_str(), anchor_body("19950101", 42), again),
    ];
    let before = fx.snapshot().await;
    for (what, path, token, body, status) in cases {
        let a = fx.post(path, token, body).await;
        // A duplicate identity names the identifying field; "already registered" is about the
        // account, not a field.
        let field = match (status.1, path) {
            ("duplicate_identity", "/api/v1/anchors") => ("id_number", "duplicate_identity"),
            ("duplicate_identity", _) => ("uscc", "duplicate_identity"),
            _ => ("", ""),
        };
        fx.refused(&before, what, a, status, field).await;
    }

    // A roster entry twice.
    let roster = format!("/api/v1/room-operators/{}/roster", fx.room);
    let added = fx.post(&roster, &fx.room_token, json!({"anchor_id": fx.anchor})).await;
    assert_eq!(added.status, 201, "{}", added.body);
    let before = fx.snapshot().await;
    let a = fx.post(&roster, &fx.room_token, json!({"anchor_id": fx.anchor})).await;
    fx.refused(&before, "same anchor on the roster twice", a, (409, "already_on_roster"), ("", "")).await;

    // With identities of their own the refused accounts register fine; and the same USCC may be
    // a merchant and a goods owner, as they are different kinds.
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, party_body("新商户有限公司", 2)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(fx.snapshot().await[MERCHANTS], 2);
}

/// A duplicate identity is a mistake in one field, and the 409 names it.
#[tokio::test]
async fn duplicate_identities_name_the_field() {
    let fx = Fx::new().await;
    let a = fx.post("/api/v1/merchants", &fx.new_merchant, party_body("另一家有限公司", 1)).await;
    problem("same USCC", &a, 409, "duplicate_identity", ("uscc", "duplicate_identity"));
    let a = fx.post("/api/v1/anchors", &fx.new_anchor, anchor_body("19950101", 1)).await;
    problem("same ID number", &a, 409, "duplicate_identity", ("id_number", "duplicate_identity"));
}

#[tokio::test]
async fn a_blacklisted_identity_cannot_register_again() {
    let fx = Fx::new().await;
    let reason = json!({"reason": "多次虚假宣传"});
    let b = fx.post(&format!("/api/v1/anchors/{}/blacklist", fx.anchor), &fx.op, reason).await;
    assert_eq!(b.status, 204, "{}", b.body);
    let before = fx.snapshot().await;
    let a = fx.post("/api/v1/anchors", &fx.new_anchor, anchor_body("19950101", 1)).await;
    fx.refused(&before, "blacklisted identity", a, (403, "blacklisted"), ("id_number", "blacklisted")).await;
}

#[tokio::test]
async fn sign_up_fields_are_checked_and_nothing_is_created() {
    let fx = Fx::new().await;
    let app = &fx.app;
    let good = json!({"username": "new-user", "password": "a long enough password", "role": "consumer"});
    let cases = [
        ("short user name", json!({"username": "ab"}), ("username", "invalid_username")),
        ("user name with a space", json!({"username": "new user"}), ("username", "invalid_username")),
        ("short password", json!({"password": "short"}), ("password", "weak_password")),
        ("unknown role", json!({"role": "superuser"}), ("role", "unknown_value")),
        ("missing role", json!({"role": null}), ("role", "required")),
    ];
    for (what, patch, field) in cases {
        let a = app.post("/api/v1/accounts", None, with(&good, patch)).await;
        problem(what, &a, 422, "validation_failed", field);
    }
    // None of them created the account.
    let login = json!({"username": "new-user", "password": "a long enough password"});
    let a = app.post("/api/v1/auth/token", None, login).await;
    problem("login after refused sign-ups", &a, 401, "invalid_credentials", ("", ""));
    let a = app.post("/api/v1/auth/token", None, json!({"username": "new-user"})).await;
    problem("login without password", &a, 422, "validation_failed", ("password", "required"));
}

/// A key given twice is refused (a parser would keep the last one silently), naming its path, and
/// nothing is written.
#[tokio::test]
async fn a_key_given_twice_is_refused() {
    let fx = Fx::new().await;
    let before = fx.snapshot().await;
    let token = fx.op.clone();
    let body = r#"{"transfers":[{"id":"dup-1","debit":"external_cash","credit":"guarantee_pool","amount":5,"amount":6,"kind":"funding"}]}"#;
    let a = fx.raw("/api/v1/ledger/transfers", &token, "application/json", body).await;
    problem("duplicate amount", &a, 422, "validation_failed", ("transfers[0].amount", "duplicate_field"));
    assert_eq!(fx.snapshot().await, before, "nothing written");
}
