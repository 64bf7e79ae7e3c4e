//! The caller look-up made while the IVR runs, off the media path: first-contact agent, VIP
//! mark and the screen-pop, read on a blocking thread from the look-up connection.

use std::sync::Arc;

use super::super::Context;

/// What the records say about a caller, for routing: the agent who served them recently
/// (首问负责制) and whether their caller record marks them VIP; and the agent's screen-pop.
#[derive(Debug, Default)]
pub(super) struct CallerFacts {
    pub last_agent: Option<String>,
    pub vip: bool,
    pub screen_pop: Option<Box<hotline_protocol::ScreenPop>>,
}

/// Starts the caller look-up on a blocking thread; the call picks the answer up when it reaches
/// a queue.
pub(super) fn lookup_caller(
    ctx: &Arc<Context>,
    caller: &str,
    call_id: &str,
) -> Option<tokio::sync::oneshot::Receiver<CallerFacts>> {
    if caller.is_empty() {
        return None;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let ctx = ctx.clone();
    let caller = caller.to_owned();
    let call_id = call_id.to_owned();
    tokio::task::spawn_blocking(move || {
        let Ok(store) = ctx.lookup.lock() else { return };
        let blacklist = ctx.blacklist.read().ok();
        let input = crate::agents::screen_pop::LookupInput {
            number: &caller,
            call_id: &call_id,
            now_ms: ctx.now_ms(),
            first_contact_days: ctx.config.acd.first_contact_days,
            regions: &ctx.regions,
            blacklist: blacklist.as_deref(),
        };
        let found = crate::agents::screen_pop::look_up(&store, &input);
        let _ = tx.send(CallerFacts {
            last_agent: found.last_agent,
            vip: found.vip,
            screen_pop: Some(Box::new(found.screen_pop)),
        });
    });
    Some(rx)
}
