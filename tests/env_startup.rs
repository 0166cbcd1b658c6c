//! `Cors::from_env` at startup, through the real process environment: one
//! test in its own binary, so setting variables races with nothing.

use std::panic;
use std::sync::{Arc, Mutex};

use cors_actix::Cors;

#[test]
fn misspelt_variables_stop_startup_at_the_callers_line() {
    // Still single-threaded: nothing else in this binary reads the environment.
    std::env::set_var("ZZSTART_CORS_ALLOWED_ORIGIN", "https://app.example");
    let err = Cors::try_from_env_with_prefix("ZZSTART_").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`ZZSTART_CORS_ALLOWED_ORIGIN`")
            && text.contains("`ZZSTART_CORS_ALLOWED_ORIGINS`"),
        "{text}"
    );

    // The panic of `from_env_with_prefix` is reported where it was called.
    let location = Arc::new(Mutex::new(None::<(String, u32)>));
    let seen = Arc::clone(&location);
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        *seen.lock().unwrap() = info.location().map(|l| (l.file().to_owned(), l.line()));
    }));
    let line = line!() + 1;
    let result = panic::catch_unwind(|| Cors::from_env_with_prefix("ZZSTART_"));
    panic::set_hook(previous);
    assert!(result.is_err());
    let (file, at) = location.lock().unwrap().clone().expect("a panic location");
    assert_eq!((file.as_str(), at), ("tests/env_startup.rs", line));

    std::env::set_var("ZZSTART_CORS_ALLOWED_ORIGINS", "https://app.example");
    let cors = Cors::try_from_env_with_prefix("ZZSTART_").expect("the intended variable is set");
    assert!(format!("{:?}", cors.policy()).contains("https://app.example"));

    // A reload (the example server does it on SIGHUP) reads them again.
    std::env::set_var("ZZSTART_CORS_ALLOWED_ORIGINS", "https://reloaded.example");
    cors.handle()
        .reload_env_with_prefix("ZZSTART_")
        .expect("a valid reload");
    assert!(cors
        .policy()
        .to_string()
        .contains("https://reloaded.example"));
    std::env::set_var("ZZSTART_CORS_ALLOWED_ORIGINS", "https://bad.example/");
    assert!(cors.handle().reload_env_with_prefix("ZZSTART_").is_err());
    assert!(cors
        .policy()
        .to_string()
        .contains("https://reloaded.example"));
}
