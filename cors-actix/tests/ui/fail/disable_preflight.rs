// No counterpart: preflights are always answered from the policy.
use cors_actix::Cors;

fn main() {
    let _cors = Cors::builder()
        .allowed_origin("https://app.example.com")
        .disable_preflight()
        .build();
}
