//! The committed openapi.yaml matches the document the code generates.

#[test]
fn openapi_yaml_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let committed =
        std::fs::read_to_string(path).expect("openapi.yaml exists at the repository root");

    assert!(
        committed == api::openapi::yaml(),
        "openapi.yaml is stale: run `cargo run -p api -- openapi > openapi.yaml`"
    );
}

#[test]
fn openapi_documents_both_security_schemes() {
    let document = api::openapi::yaml();

    assert!(document.contains("session_cookie:"));
    assert!(document.contains("in: cookie"));
    assert!(document.contains("scheme: bearer"));
}
