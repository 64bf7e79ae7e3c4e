//! The sound-card backend on whatever this machine has — possibly no sound card at all:
//! everything must come back as a value, never a panic. Device selection, the audio paths
//! and the level meters are checked on known ALSA test devices in `cpal_alsa.rs`.

use hotline_softphone::{BackendKind, SoftphoneError, list_devices, start_backend};

#[test]
fn list_devices_is_ok_or_a_clear_error() {
    match list_devices() {
        Ok(devices) => {
            for d in &devices {
                assert!(!d.name.is_empty());
            }
            println!("devices: {devices:?}");
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            println!("no devices: {msg}");
        }
    }
}

#[tokio::test]
async fn unknown_device_names_what_exists() {
    let err = start_backend(&BackendKind::Cpal {
        input: Some("no such microphone".to_owned()),
        output: None,
    })
    .err()
    .expect("a device with that name cannot exist");
    let msg = err.to_string();
    println!("{msg}");
    match err {
        SoftphoneError::NoDevice { .. } => {
            assert!(msg.contains("no such microphone"), "{msg}");
            assert!(msg.contains("available:"), "{msg}");
        }
        // The audio system itself may be unusable here.
        SoftphoneError::AudioHost(_) => {}
        other => panic!("unexpected error: {other}"),
    }
}

#[tokio::test]
async fn default_devices_start_or_fail_cleanly() {
    match start_backend(&BackendKind::Cpal {
        input: None,
        output: None,
    }) {
        Ok(io) => {
            println!("sound card backend started");
            io.finish().await.unwrap();
        }
        Err(e) => println!("sound card backend unavailable: {e}"),
    }
}

#[tokio::test]
async fn listed_devices_start_or_fail_cleanly() {
    let Ok(devices) = list_devices() else { return };
    let input = devices.iter().find(|d| d.is_input).map(|d| d.name.clone());
    let output = devices.iter().find(|d| !d.is_input).map(|d| d.name.clone());
    if input.is_none() || output.is_none() {
        return;
    }
    match start_backend(&BackendKind::Cpal { input, output }) {
        Ok(mut io) => {
            hotline_softphone::test_tone(&io.speaker, 1000.0, 100);
            // A real (or ALSA null) device delivers frames at its own pace.
            let frame =
                tokio::time::timeout(std::time::Duration::from_secs(2), io.mic.recv()).await;
            println!("listed device started; mic frame: {}", frame.is_ok());
            io.finish().await.unwrap();
        }
        Err(e) => println!("listed device unavailable: {e}"),
    }
}
