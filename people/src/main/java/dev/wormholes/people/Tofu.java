package dev.wormholes.people;

import com.google.common.io.BaseEncoding;
import dev.wormholes.people.wire.EventBody;
import dev.wormholes.people.wire.SignedEvent;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trust on first use, done right: judge what a contact's key log or a record shows against the
 * pinned log. A change the log explains (devices added or removed, a rotation by the
 * pre-committed key) is information; anything it does not explain (another event at a pinned seq,
 * a log that goes backwards, a device the log never added) is a block until re-verified.
 */
public final class Tofu {
  private static final BaseEncoding HEX = BaseEncoding.base16().lowerCase();

  private Tofu() {}

  /** The judgement of one observation. */
  public sealed interface Verdict {
    /** Nothing new. */
    record Same() implements Verdict {}

    /** The log moved on in ways it explains: re-pin to {@code log}; one line per change. */
    record Explained(KeyLog log, List<String> changes) implements Verdict {}

    /** Something the log does not explain: block the contact with this reason. */
    record Unexplained(String reason) implements Verdict {}
  }

  /** Judge a verified log {@code seen} for the persona whose pinned log is {@code pinned}. */
  public static Verdict judgeLog(KeyLog pinned, KeyLog seen) {
    if (!seen.state().persona().equals(pinned.state().persona())) {
      return new Verdict.Unexplained("a log of another persona (" + seen.state().persona()
          + ") was presented for this contact");
    }
    int common = Math.min(pinned.size(), seen.size());
    for (int seq = 0; seq < common; seq++) {
      if (!Arrays.equals(KeyLog.digest(pinned.event(seq)), KeyLog.digest(seen.event(seq)))) {
        return new Verdict.Unexplained("duplicity: two different events signed for seq " + seq);
      }
    }
    if (seen.size() < pinned.size()) {
      return new Verdict.Unexplained("the log went backwards from seq " + pinned.state().seq()
          + " to seq " + seen.state().seq());
    }
    if (seen.size() == pinned.size()) {
      return new Verdict.Same();
    }
    List<String> changes = new ArrayList<>();
    for (int seq = pinned.size(); seq < seen.size(); seq++) {
      changes.add(describe(seen.event(seq)));
    }
    return new Verdict.Explained(seen, changes);
  }

  /** Judge a record signed by device {@code node} for a persona whose pinned log is {@code pinned}. */
  public static Verdict judgeDevice(KeyLog pinned, NodeId node) {
    if (pinned.state().hasDevice(node)) {
      return new Verdict.Same();
    }
    return new Verdict.Unexplained("a record signed by device " + node
        + " that the persona's log " + (pinned.state().abandoned() ? "abandoned" : "never added")
        + " (pinned seq " + pinned.state().seq() + ")");
  }

  /** Return one line saying what a (verified) event does. */
  static String describe(byte[] event) {
    EventBody b;
    try {
      b = EventBody.parseFrom(SignedEvent.parseFrom(event).getBody());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return "an unreadable event";
    }
    String at = "seq " + b.getSeq() + ": ";
    return at + switch (b.getKindCase()) {
      case DEVICE_ADD -> "device " + Identity.idOf(b.getDeviceAdd().getDeviceKey().toByteArray()) + " added";
      case DEVICE_REMOVE -> "device " + NodeId.tryOf(b.getDeviceRemove().getDeviceId().toByteArray())
          .map(NodeId::toString).orElse("?") + " removed";
      case ROTATE -> "signing key rotated to the pre-committed key "
          + HEX.encode(b.getRotate().getNewSigningKey().toByteArray()).substring(0, 16);
      case ABANDON -> "persona abandoned";
      default -> "inception";
    };
  }
}
