use cors_actix::cors;

#[cors(origins = ["https://app.example.com"])]
struct Items;

fn main() {
    let _ = Items;
}
