package dev.wormholes.people;

import dev.wormholes.proto.Identity;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A persona for tests: its keys, its devices, and its log, grown by signing events. */
final class TestPersona {
  final Random random;
  Identity signer;
  Identity next;
  final List<Identity> devices = new ArrayList<>();
  KeyLog log;

  TestPersona(long seed) {
    random = new Random(seed);
    signer = Identity.generate(random);
    next = Identity.generate(random);
    Identity device = Identity.generate(random);
    devices.add(device);
    log = KeyLog.verify(List.of(Events.inception(signer, Events.keyDigest(next.publicKey()),
        Events.device(device, signer.publicKey())))).orThrow();
  }

  KeyState state() {
    return log.state();
  }

  Identity addDevice() {
    Identity d = Identity.generate(random);
    append(Events.deviceAdd(state(), signer, Events.device(d, signer.publicKey())));
    devices.add(d);
    return d;
  }

  void removeDevice(int i) {
    Identity d = devices.remove(i);
    append(Events.deviceRemove(state(), signer, d.id()));
  }

  void rotate() {
    Identity after = Identity.generate(random);
    append(Events.rotate(state(), next, Events.keyDigest(after.publicKey())));
    signer = next;
    next = after;
  }

  void append(byte[] event) {
    log = log.append(event).orThrow();
  }
}
