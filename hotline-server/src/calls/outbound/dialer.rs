//! The dialer task: places the calls the distributor orders (it has no `Context`) and reports
//! their progress back to it as `Input::Outbound`.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{OutboundOrder, OutboundResult, OutboundTrunk, Progress, place};
use crate::agents::{CallControl, Input};
use crate::calls::Context;

/// A call the distributor wants placed.
#[derive(Debug)]
pub struct DialOrder {
    pub order: OutboundOrder,
    pub control: mpsc::Receiver<CallControl>,
    /// Dial this department's phone from the directory (its id) instead of `order.number`.
    pub department: Option<String>,
}

/// The distributor's way to the dialer, with the outbound trunk for checks made up front.
#[derive(Debug, Clone)]
pub struct DialerLink {
    /// `None`: no trunk carries outbound calls.
    pub trunk: Option<OutboundTrunk>,
    orders: mpsc::UnboundedSender<DialOrder>,
}

impl DialerLink {
    /// Hands the order to the dialer; gives it back if the dialer has stopped.
    pub fn send(&self, order: DialOrder) -> Result<(), Box<DialOrder>> {
        self.orders.send(order).map_err(|e| Box::new(e.0))
    }

    /// Whether the dialer still takes orders.
    pub fn is_up(&self) -> bool {
        !self.orders.is_closed()
    }
}

/// Starts the dialer and introduces it to the distributor.
pub fn start_dialer(ctx: Arc<Context>, shutdown: CancellationToken) {
    let (orders, rx) = mpsc::unbounded_channel();
    ctx.distributor.send(Input::DialerReady(DialerLink {
        trunk: OutboundTrunk::from_config(&ctx.config),
        orders,
    }));
    tokio::spawn(run(ctx, rx, shutdown));
}

async fn run(
    ctx: Arc<Context>,
    mut rx: mpsc::UnboundedReceiver<DialOrder>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            order = rx.recv() => match order {
                Some(order) => { tokio::spawn(one(ctx.clone(), order)); }
                None => break,
            },
        }
    }
}

/// Places one order and relays its progress until it has ended.
async fn one(ctx: Arc<Context>, dial: DialOrder) {
    let DialOrder {
        mut order,
        control,
        department,
    } = dial;
    let call_id = order.call_id.clone();
    let report = |progress| {
        ctx.distributor.send(Input::Outbound {
            call_id: call_id.clone(),
            progress,
        });
    };
    if let Some(id) = department {
        match department_phone(&ctx, &id).await {
            Ok(phone) => order.number = phone,
            Err(cause) => {
                report(Progress::Ended {
                    result: OutboundResult::InvalidNumber,
                    cause,
                    peer: order.peer.map(|p| (p.name, p.audio)),
                });
                return;
            }
        }
    }
    let (tx, mut progress) = mpsc::channel(8);
    // A refusal arrives as `Ended` on `progress` like any other end.
    let _ = place(&ctx, order, control, tx).await;
    while let Some(p) = progress.recv().await {
        report(p);
    }
}

/// The phone of a department in the directory, read off the async workers.
async fn department_phone(ctx: &Arc<Context>, id: &str) -> Result<String, String> {
    let num: i64 = id.parse().map_err(|_| format!("no department \"{id}\""))?;
    let ctx = ctx.clone();
    let row = tokio::task::spawn_blocking(move || {
        let store = ctx
            .lookup
            .lock()
            .map_err(|_| "directory unavailable".to_owned())?;
        store.department(num).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())??;
    match row {
        Some(d) if !d.phone.trim().is_empty() => Ok(d.phone),
        Some(d) => Err(format!("department \"{}\" has no phone number", d.name)),
        None => Err(format!("no department \"{id}\"")),
    }
}
