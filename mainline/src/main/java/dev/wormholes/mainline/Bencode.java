package dev.wormholes.mainline;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A bencoded value (BEP 3): an integer, a byte string, a list or a dictionary. Dictionary keys are
 * byte strings held as ISO-8859-1 {@code String}s (one char per byte), so a {@link TreeMap} keeps
 * them in the raw byte order bencoding requires. Values are immutable; {@link #encode()} gives the
 * canonical form, the same bytes {@link BencodeDecoder} accepted.
 */
public sealed interface Bencode {

  /** Return the canonical bencoded bytes of this value. */
  default byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BencodeEncoder.write(this, out);
    return out.toByteArray();
  }

  /** An integer ({@code i42e}); bencoding allows any size, this codec 64 bits. */
  record Int(long value) implements Bencode {}

  /** A byte string ({@code 4:spam}). */
  record Bytes(byte[] value) implements Bencode {
    public Bytes {
      value = value.clone();
    }

    /** Return a copy of the bytes. */
    @Override
    public byte[] value() {
      return value.clone();
    }

    /** Return the length in bytes. */
    public int length() {
      return value.length;
    }

    /** Return the bytes as ISO-8859-1 text (one char per byte). */
    public String latin1() {
      return new String(value, StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Bytes[" + value.length + "]";
    }
  }

  /** A list ({@code l...e}). */
  record BList(List<Bencode> items) implements Bencode {
    public BList {
      items = List.copyOf(items);
    }
  }

  /** A dictionary ({@code d...e}), keys in raw byte order. */
  record Dict(SortedMap<String, Bencode> entries) implements Bencode {
    public Dict {
      entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
    }

    /** Return the value under {@code key}, or null. */
    public Bencode get(String key) {
      return entries.get(key);
    }

    /** Return the byte string under {@code key}, or null if absent or of another type. */
    public byte[] bytes(String key) {
      return entries.get(key) instanceof Bytes b ? b.value() : null;
    }

    /** Return the integer under {@code key}, or null if absent or of another type. */
    public Long integer(String key) {
      return entries.get(key) instanceof Int i ? i.value() : null;
    }

    /** Return the dictionary under {@code key}, or null if absent or of another type. */
    public Dict dict(String key) {
      return entries.get(key) instanceof Dict d ? d : null;
    }

    /** Return the list under {@code key}, or null if absent or of another type. */
    public BList list(String key) {
      return entries.get(key) instanceof BList l ? l : null;
    }
  }

  /** Return a byte string. */
  static Bytes bytes(byte[] b) {
    return new Bytes(b);
  }

  /** Return the ASCII text {@code s} as a byte string. */
  static Bytes text(String s) {
    return new Bytes(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Return an integer. */
  static Int integer(long v) {
    return new Int(v);
  }

  /** Return a list of {@code items}. */
  static BList list(List<? extends Bencode> items) {
    return new BList(new ArrayList<>(items));
  }

  /** Return a builder of a dictionary. */
  static DictBuilder dict() {
    return new DictBuilder();
  }

  /** Builds a {@link Dict}; null values are left out. */
  final class DictBuilder {
    private final TreeMap<String, Bencode> map = new TreeMap<>();

    /** Put {@code value} under {@code key} (skipped when null). */
    public DictBuilder put(String key, Bencode value) {
      if (value != null) {
        map.put(key, value);
      }
      return this;
    }

    /** Put the byte string {@code value} under {@code key} (skipped when null). */
    public DictBuilder put(String key, byte[] value) {
      return value == null ? this : put(key, new Bytes(value));
    }

    /** Put the text {@code value} under {@code key}. */
    public DictBuilder put(String key, String value) {
      return put(key, text(value));
    }

    /** Put the integer {@code value} under {@code key}. */
    public DictBuilder put(String key, long value) {
      return put(key, new Int(value));
    }

    /** Put every entry of {@code entries}. */
    public DictBuilder putAll(Map<String, Bencode> entries) {
      map.putAll(entries);
      return this;
    }

    /** Return the dictionary. */
    public Dict build() {
      return new Dict(map);
    }
  }
}
