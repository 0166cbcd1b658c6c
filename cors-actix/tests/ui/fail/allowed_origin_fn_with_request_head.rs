// actix-cors's predicate takes the `Origin` header value and the request
// head; here it takes the origin as `&str`.
use cors_actix::Cors;

fn main() {
    let _cors = Cors::builder()
        .allowed_origin_fn(|origin, _req_head| origin.as_bytes().ends_with(b".example.com"))
        .build();
}
