"""Parse Prometheus text from stdin with prometheus_client's parser; print one line per sample.

Output lines: FAMILY<TAB>TYPE<TAB>SAMPLE<TAB>LABELS<TAB>VALUE, LABELS as k=v joined by commas
(sorted). A parse error exits non-zero with the parser's message on stderr.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(f"{family.name}\t{family.type}\t{s.name}\t{labels}\t{s.value:.17g}")
