package dev.wormholes.node.runtime;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The single timer of an engine driver on its event loop: armed for the engine's next deadline
 * ({@code pollTimeout}) and scheduled anew only when that deadline changes. Loop only.
 */
public final class LoopTimer {
  private final EventLoop loop;
  private final Runnable onFire;
  private ScheduledFuture<?> scheduled;
  private long at = Long.MAX_VALUE;

  /** A timer on {@code loop} that runs {@code onFire} there (which must catch what it throws). */
  public LoopTimer(EventLoop loop, Runnable onFire) {
    this.loop = loop;
    this.onFire = onFire;
  }

  /**
   * Fire at {@code at} (monotonic milliseconds; {@code Long.MAX_VALUE}: never), {@code now} being
   * the time now; nothing changes if the timer is already armed for {@code at}.
   */
  public void arm(long at, long now) {
    if (at == this.at) {
      return;
    }
    cancel();
    this.at = at;
    if (at != Long.MAX_VALUE) {
      scheduled = loop.schedule(this::fire, Math.max(0, at - now), TimeUnit.MILLISECONDS);
    }
  }

  /** Cancel the pending firing, if any. */
  public void cancel() {
    if (scheduled != null) {
      scheduled.cancel(false);
      scheduled = null;
    }
  }

  private void fire() {
    scheduled = null;
    at = Long.MAX_VALUE;
    onFire.run();
  }
}
