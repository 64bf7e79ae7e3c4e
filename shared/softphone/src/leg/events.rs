//! Peer-connection callbacks turned into watch channels the leg can wait on.

use std::sync::Arc;

use tokio::sync::watch;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnectionEventHandler, RTCIceGatheringState, RTCPeerConnectionState,
};

/// Where the agent's media leg stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LegState {
    /// Negotiating, or ICE/DTLS not up yet.
    Connecting,
    /// Audio can flow.
    Connected,
    /// Lost or closed, with the reason. WebRTC's transient "disconnected" also lands here
    /// and may be followed by `Connected` again if connectivity comes back.
    Disconnected(String),
}

pub(crate) type RemoteTrack = Option<Arc<dyn TrackRemote>>;

pub(crate) struct Events {
    pub(crate) state: watch::Sender<LegState>,
    pub(crate) gathered: watch::Sender<bool>,
    pub(crate) remote: watch::Sender<RemoteTrack>,
}

impl Events {
    pub(crate) fn new() -> Self {
        Events {
            state: watch::Sender::new(LegState::Connecting),
            gathered: watch::Sender::new(false),
            remote: watch::Sender::new(None),
        }
    }
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Events {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            self.gathered.send_replace(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let leg = match state {
            RTCPeerConnectionState::Connected => LegState::Connected,
            RTCPeerConnectionState::Disconnected
            | RTCPeerConnectionState::Failed
            | RTCPeerConnectionState::Closed => LegState::Disconnected(state.to_string()),
            _ => LegState::Connecting,
        };
        self.state.send_replace(leg);
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        self.remote.send_replace(Some(track));
    }
}
