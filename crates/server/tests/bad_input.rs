//! stub
mod common;

#[tokio::test]
async fn stub() {
    let _app = common::TestApp::spawn().await;
}
