#!/bin/sh
# bench_wrn.sh - WRN-40-2 training and inference speed, hypernet.h against
# PyTorch 1.13 (CPU), same threads, same batch, in one run.
#
#   nice sh bench/bench_wrn.sh [batch] [steps]      (after `make`)
#
# Both sides train on synthetic 3x32x32 batches: hypernet.h with its
# augmentation and Adam step, PyTorch with an SGD step (the optimizer is a
# negligible share of either). Each prints medians over `steps` steps after
# two warm-up steps; ratios are hypernet.h / PyTorch.
set -e
BATCH=${1:-64}
STEPS=${2:-5}
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1
# Both sides use libgomp. On a shared, loaded machine its default spinning
# at barriers burns the cycles a descheduled partner thread needs (a step
# took 1.7x longer here); passive waiting is fairer to both. Override by
# setting OMP_WAIT_POLICY before calling.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
HERE=$(dirname "$0")
BIN=${BIN:-$HERE/../build/cifar_hyper}
OUT=$(mktemp -d)
$BIN --bench "$STEPS" --batch "$BATCH" --plain --out "$OUT/plain" | grep -v '^wrn'
$BIN --bench "$STEPS" --batch "$BATCH" --hyper --out "$OUT/hyper" | grep -v '^wrn'
/usr/bin/python3 "$HERE/wrn_torch.py" --batch "$BATCH" --steps "$STEPS" > "$OUT/torch.json"
cat "$OUT/torch.json"
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
d = sys.argv[1]
c = json.load(open(d + "/plain/summary.json"))
h = json.load(open(d + "/hyper/summary.json"))
t = json.load(open(d + "/torch.json"))
print("WRN-40-2 batch %d, %d threads (OMP_WAIT_POLICY=%s):" % (t["batch"], t["threads"], __import__("os").environ.get("OMP_WAIT_POLICY")))
for name, r in (("hypernet.h plain", c), ("hypernet.h hyper", h)):
    print("  %-17s train %7.2f img/s (%.2fx torch)  inference %7.2f img/s (%.2fx)"
          "  peak RSS %.0f MiB" % (name, r["images_per_sec"],
          r["images_per_sec"] / t["images_per_sec"], r["inference_images_per_sec"],
          r["inference_images_per_sec"] / t["inference_images_per_sec"],
          r["peak_rss_mib"]))
print("  %-17s train %7.2f img/s                inference %7.2f img/s"
      "          peak RSS %.0f MiB" % ("pytorch", t["images_per_sec"],
      t["inference_images_per_sec"], t["peak_rss_mib"]))
PY
rm -rf "$OUT"
