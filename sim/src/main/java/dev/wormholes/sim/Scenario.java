package dev.wormholes.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A simulation run described as {@code key = value} lines ({@code #} starts a comment). Every key
 * and its default is listed in {@link #DEFAULTS}; an unknown key or a bad value is an error that
 * names the line. Command-line flags override keys ({@link #with}). The sweep keys ({@code
 * sweep.adversaries}, {@code sweep.disjoint_paths}) turn one file into a grid of runs.
 */
public final class Scenario {
  /** Every key with its default value, in documentation order. */
  public static final Map<String, String> DEFAULTS;

  static {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("name", "scenario");
    d.put("nodes", "1000");
    d.put("seed", "1");
    d.put("k", "20");
    d.put("alpha", "3");
    d.put("disjoint_paths", "1");
    d.put("request_timeout_ms", "1000");
    d.put("engine.ping_backs_per_second", ""); // empty = the engine's default
    d.put("engine.bucket_refresh_s", "");
    d.put("engine.max_stored_values", "");  // empty = the engine's default
    d.put("engine.get_quorum", "");         // agreeing holders per path that end a mutable GET (0: whole lookup); empty = default
    d.put("engine.id_work_bits", "0");      // the network's id work factor (every honest id is ground to it)
    d.put("engine.prefix_limits", "true");  // false: no per-/24 limits in tables and lookups
    d.put("bootstrap", "oracle");           // oracle | join
    d.put("bootstrap.seeds", "8");          // join: the first N honest nodes are seeds
    d.put("bootstrap.window_s", "60");      // join: spread of join times
    d.put("latency.base_ms", "5");
    d.put("latency.span_ms", "100");
    d.put("jitter_ms", "5");
    d.put("loss", "0");
    d.put("uplink_kbps", "0");              // 0 = unlimited
    d.put("publish", "0");                  // 0 | all | N honest nodes publish presence records
    d.put("publish.start_s", "10");
    d.put("publish.window_s", "60");
    d.put("lookups", "1000");
    d.put("lookup.kind", "find_node");      // find_node | get
    d.put("lookup.start_s", "120");
    d.put("lookup.window_s", "300");
    d.put("lookup.target", "random");       // random | eclipse
    d.put("churn", "none");                 // none | exponential:mean_s=.. | weibull:shape=..,mean_s=.. | pareto:..
    d.put("churn.downtime", "exponential:mean_s=600");
    d.put("leave.at_s", "-1");              // one mass departure at this time (-1 = none)
    d.put("leave.fraction", "0.5");
    d.put("adversaries", "0");              // fraction of all nodes
    d.put("adversary.behaviour", "misroute"); // misroute, fabricate, drop_stores, forge, stale, join, flood
    d.put("adversary.placement", "random"); // random | eclipse
    d.put("adversary.eclipse_bits", "0");   // eclipse: prefix bits shared with the target (0 = log2 N + 4)
    d.put("adversary.keygen_budget", "0");  // eclipse with keys: key pairs the attacker draws, keeping the closest (0 = grind each to eclipse_bits)
    d.put("adversary.id_work_bits", "");    // id work the attacker grinds to (empty = engine.id_work_bits; lower: ids the network refuses)
    d.put("adversary.target_join_s", "-1"); // eclipse: the target joins (through the seeds) at this time; -1 = from the start
    d.put("adversary.prefixes", "0");       // /24s the adversaries' addresses come from (0 = each its own)
    d.put("adversary.join_window_s", "60"); // join/flood: adversaries start over this window
    d.put("adversary.flood_per_s", "5");    // flood: PUTs per second per adversary
    d.put("drain_s", "60");                 // virtual time after the last lookup starts
    d.put("nat.mix", "");                   // empty = no NAT layer; else type:share, ... (public, full, address, port, symmetric)
    d.put("nat.port_mapping", "0");         // share of NATed nodes with a UPnP/PCP port mapping
    d.put("nat.connect_pairs", "0");        // disjoint pairs of honest nodes that connect (hole punching)
    d.put("nat.connect.start_s", "30");
    d.put("nat.connect.window_s", "120");   // connects evenly spaced over this window
    d.put("nat.mapping_timeout_s", "120");  // NAT mapping lifetime after the last outbound packet
    d.put("nat.max_entries", "4096");       // mappings + filter permissions per NAT box
    d.put("nat.punch_timeout_ms", "");      // empty = the HolePunch engine's default
    d.put("nat.relays", "true");            // false: every relay open fails at once (the ladder's relay rung off)
    d.put("nat.lookup", "dht");             // dht: the ladder's lookup is a real GET of the record members PUT; record: handed in at once
    d.put("whisper.pairs", "0");            // disjoint sender/recipient pairs whispering (WhisperWorkload); 0 = none
    d.put("whisper.per_pair", "4");         // whispers each sender queues
    d.put("whisper.start_s", "30");
    d.put("whisper.window_s", "60");        // whispers evenly spaced over this window
    d.put("whisper.mailbox", "0");          // 1: each recipient names a mailbox friend (people.Mailbox)
    d.put("channel.count", "0");            // channels run by the people channel engines (ChannelWorkload); 0 = none
    d.put("channel.members", "8");          // members of each channel, the owner included (2..64)
    d.put("channel.posts", "4");            // posts each member makes
    d.put("channel.joiners", "0");          // more nodes join each channel during the window, by invite
    d.put("channel.start_s", "30");
    d.put("channel.window_s", "120");       // posts evenly spaced over this window
    d.put("channel.remove_at_s", "-1");     // each owner removes its channel's last member then; -1 = never
    d.put("channel.duplicate", "0");        // share of channel messages delivered twice
    d.put("channel.reorder_ms", "0");       // extra uniform delay per channel message, up to this
    d.put("channel.skew_s", "0");           // each member's clock off by up to this, either way
    d.put("network.count", "0");            // private networks run by the networks engines (NetworkWorkload); 0 = none
    d.put("network.members", "8");          // founding members of each network, the admin included
    d.put("network.changes", "2");          // changes each admin makes: an add, a removal (new epoch), alternately
    d.put("network.start_s", "60");         // the first change
    d.put("network.every_s", "300");        // time between one network's changes
    d.put("keylog.persons", "0");           // persons keeping key logs in step through the DHT (KeyLogWorkload); 0 = none
    d.put("keylog.devices", "2");           // devices (nodes) per person at the start; one more node each is spare for adds
    d.put("keylog.contacts", "8");          // other persons each person reads (its accepted contacts)
    d.put("keylog.poll_s", "60");           // LogRounds' poll interval (the daemon's PEOPLE_POLL_SECONDS)
    d.put("keylog.change_mean_s", "3600");  // mean time between one person's log changes (exponential)
    d.put("keylog.start_s", "60");          // devices start their schedules; changes begin after this
    d.put("keylog.duration_s", "7200");     // changes stop after this; the run lasts drain_s longer
    d.put("keylog.push", "true");           // false: a changed log is not pushed (the pull path alone)
    d.put("keylog.lookups", "0");           // lookups by persona id (KeyLogLookups, people.PersonaLookup); 0 = none
    d.put("keylog.lookup_forger", "false"); // true: a forger overwrites every device list with 16 devices claiming seq 255
    d.put("lan.segments", "0");             // LAN segments whose nodes run LanAnnouncer (LanWorkload; needs bootstrap = join); 0 = none
    d.put("lan.size", "4");                 // nodes per segment: the first joins through the seeds, the others only through their LAN
    d.put("lan.announce", "true");          // false: nobody announces (the seedless members stay alone)
    d.put("nat.dht", "false");              // true: DHT datagrams pass through the NAT boxes too
    d.put("nat.dht.read_only", "true");     // with nat.dht: nodes unreachable unsolicited run the DHT read-only (BEP 43)
    d.put("nat.source_budget", "false");    // true: each NatCore sits behind the daemon's per-source budget (UdpRuntime's)
    d.put("nat.sybils", "0");               // attacker hosts at the rendezvous (RendezvousSybils), each its own /24
    d.put("nat.sybil.ids", "32");           // key pairs each attacker host registers
    d.put("nat.sybil.connects_per_s", "1000"); // Connects per second per attacker host
    d.put("nat.sybil.spoofed_per_s", "10"); // spoofed Register + Connect pairs per second per attacker host
    d.put("nat.sybil.focus", "false");      // true: attack only the first target's rendezvous (and the targets there)
    d.put("nat.sybil.start_s", "5");        // when the attack starts (it ends with the connect window)
    d.put("onion.circuits", "0");           // > 0: an onion-circuit run (OnionCircuits) instead of the DHT run
    d.put("onion.friends", "8");            // comma list: mean friends per node (friend-graph densities)
    d.put("onion.hops", "3");               // 2 or 3
    d.put("onion.clients", "50");           // honest nodes (never churned) that ask for the circuits in turn
    d.put("onion.start_s", "10");
    d.put("onion.window_s", "600");         // circuits asked evenly over this window
    d.put("onion.rendezvous", "0");         // > 0: also that many hidden-service connections (OnionRendezvous)
    d.put("onion.rendezvous.services", "3"); // hidden services, 3 intro points each
    d.put("sweep.adversaries", "");
    d.put("sweep.disjoint_paths", "");
    DEFAULTS = Collections.unmodifiableMap(d);
  }

  private final Map<String, String> values;

  private Scenario(Map<String, String> values) {
    this.values = values;
  }

  /** Return the scenario of all defaults. */
  public static Scenario defaults() {
    return new Scenario(new LinkedHashMap<>(DEFAULTS));
  }

  /** Read a scenario file; its name defaults to the file name without extension. */
  public static Scenario read(Path file) throws IOException {
    String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    return defaults().with("name", stem).parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Return this scenario with the lines of {@code text} applied; {@code source} names it in errors. */
  public Scenario parse(String text, String source) {
    Scenario s = this;
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      String body = (hash >= 0 ? line.substring(0, hash) : line).trim();
      if (body.isEmpty()) continue;
      int eq = body.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected key = value, got: " + line);
      }
      try {
        s = s.with(body.substring(0, eq).trim(), body.substring(eq + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return s;
  }

  /** Return this scenario with {@code key} set to {@code value}; throw on an unknown key or bad value. */
  public Scenario with(String key, String value) {
    if (!DEFAULTS.containsKey(key)) {
      throw new IllegalArgumentException("unknown key '" + key + "' (known: " + String.join(", ", DEFAULTS.keySet()) + ")");
    }
    Map<String, String> m = new LinkedHashMap<>(values);
    m.put(key, value);
    Scenario s = new Scenario(m);
    s.validate(key);
    return s;
  }

  private void validate(String key) {
    switch (key) {
      case "bootstrap": oneOf(key, "oracle", "join"); break;
      case "lookup.kind": oneOf(key, "find_node", "get"); break;
      case "nat.lookup": oneOf(key, "dht", "record"); break;
      case "lookup.target": oneOf(key, "random", "eclipse"); break;
      case "adversary.placement": oneOf(key, "random", "eclipse"); break;
      case "adversary.behaviour": behaviours(); break;
      case "churn": churn(); break;
      case "churn.downtime": Distribution.parse(str(key)); break;
      case "publish": publishCount(1); break;
      case "name": break;
      case "engine.prefix_limits": oneOf(key, "true", "false"); break;
      case "adversary.flood_per_s":
      case "nat.sybil.connects_per_s":
      case "nat.sybil.spoofed_per_s":
        dbl(key);
        break;
      case "engine.ping_backs_per_second":
      case "engine.bucket_refresh_s":
      case "engine.max_stored_values":
      case "engine.get_quorum":
        if (!str(key).isBlank()) lng(key);
        break;
      case "nat.mix":
        if (!str(key).isBlank()) dev.wormholes.sim.nat.NatMix.parse(str(key));
        break;
      case "nat.port_mapping": share(key); break;
      case "channel.duplicate": share(key); break;
      case "keylog.push":
      case "keylog.lookup_forger":
      case "lan.announce":
      case "nat.dht":
      case "nat.dht.read_only":
      case "nat.relays":
      case "nat.source_budget":
      case "nat.sybil.focus":
        oneOf(key, "true", "false");
        break;
      case "nat.punch_timeout_ms":
        if (!str(key).isBlank()) lng(key);
        break;
      case "sweep.adversaries": doubles(key); break;
      case "sweep.disjoint_paths": ints(key); break;
      case "onion.friends": ints(key); break;
      case "onion.hops":
        if (lng(key) < 2 || lng(key) > 3) throw new IllegalArgumentException(key + " must be 2 or 3");
        break;
      default:
        if (List.of("loss", "adversaries", "leave.fraction", "latency.base_ms", "latency.span_ms").contains(key)) {
          dbl(key);
        } else {
          lng(key);
        }
    }
  }

  private void share(String key) {
    double v = dbl(key);
    if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(key + " must be in 0..1, got " + str(key));
  }

  /** Return whether the scenario has a NAT layer ({@code nat.mix} set). */
  public boolean natEnabled() {
    return !str("nat.mix").isBlank();
  }

  private void oneOf(String key, String... allowed) {
    if (!List.of(allowed).contains(str(key))) {
      throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", got " + str(key));
    }
  }

  // ---- typed access

  /** Return the raw value of {@code key}. */
  public String str(String key) {
    String v = values.get(key);
    if (v == null) throw new IllegalArgumentException("unknown key " + key);
    return v;
  }

  /** Return {@code key} as a long; throw with the key's name if it is not one. */
  /** Return a generator of its own for one part of the run: the seed mixed with {@code salt}. */
  public java.util.SplittableRandom random(long salt) {
    return new java.util.SplittableRandom(lng("seed") * 0x9E3779B97F4A7C15L + salt);
  }

  public long lng(String key) {
    try {
      return Long.parseLong(str(key).replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got " + str(key), e);
    }
  }

  /** Return {@code key} as an int. */
  public int integer(String key) {
    return Math.toIntExact(lng(key));
  }

  /** Return {@code key} as a double; throw with the key's name if it is not one. */
  public double dbl(String key) {
    try {
      return Double.parseDouble(str(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got " + str(key), e);
    }
  }

  /** Return the comma-separated doubles of {@code key} (empty list if blank). */
  public List<Double> doubles(String key) {
    List<Double> out = new ArrayList<>();
    for (String p : str(key).split(",")) {
      if (!p.isBlank()) out.add(Double.parseDouble(p.trim()));
    }
    return out;
  }

  /** Return the comma-separated ints of {@code key} (empty list if blank). */
  public List<Integer> ints(String key) {
    List<Integer> out = new ArrayList<>();
    for (String p : str(key).split(",")) {
      if (!p.isBlank()) out.add(Integer.parseInt(p.trim()));
    }
    return out;
  }

  /** Return the session-length distribution, or null without churn. */
  public Distribution churn() {
    String c = str("churn").trim();
    return c.equals("none") ? null : Distribution.parse(c);
  }

  /** Return the set of adversary behaviours, lower case. */
  public List<String> behaviours() {
    List<String> out = new ArrayList<>();
    for (String p : str("adversary.behaviour").toLowerCase(Locale.ROOT).split(",")) {
      String b = p.trim();
      if (b.isEmpty()) continue;
      if (!List.of("misroute", "fabricate", "drop_stores", "forge", "stale", "join", "flood").contains(b)) {
        throw new IllegalArgumentException(
            "unknown adversary behaviour " + b + " (misroute, fabricate, drop_stores, forge, stale, join, flood)");
      }
      out.add(b);
    }
    return out;
  }

  /** Return how many of {@code honest} nodes publish presence records. */
  public int publishCount(int honest) {
    String p = str("publish").trim();
    if (p.equals("all")) return honest;
    try {
      return (int) Math.min(honest, Long.parseLong(p));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("publish must be all or a count, got " + p, e);
    }
  }

  /** Return every key and value, in documentation order (for the report header). */
  public Map<String, String> values() {
    return Collections.unmodifiableMap(values);
  }
}
