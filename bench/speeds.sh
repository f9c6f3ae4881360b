#!/bin/sh
# speeds.sh - every speed comparison with PyTorch, one after the other, so
# that they share one machine state: WRN-40-2, the MNIST net, the recurrent
# cells, and the LN-HyperLSTM at Penn Treebank sizes.
#
#   make && sh bench/speeds.sh        (PyTorch 1.13: Debian's python3-torch)
#
# Run it on an otherwise idle machine; it takes about two minutes.
cd "$(dirname "$0")/.." || exit 1
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
date -u
echo "== WRN-40-2 against PyTorch"
sh bench/bench_wrn.sh 64 5
echo "== WRN-40-2, one thread and two"
for t in 1 2; do ./build/cifar_hyper --bench 3 --batch 64 --plain --threads $t --out /tmp/hn_speeds | grep bench; done
echo "== MNIST against PyTorch"
/usr/bin/python3 bench/mnist_speed.py --steps 10 --rounds 3
for t in 1 2; do ./build/mnist_hyper --bench 40 --threads $t --out /tmp/hn_speeds | tail -1; done
echo "== recurrent cells against PyTorch"
/usr/bin/python3 bench/bench_rnn.py --repeats 3 --steps 2
echo "== LN-HyperLSTM at Penn Treebank sizes (vocabulary 50): hidden 256 and the paper's 1000"
OMP_NUM_THREADS=2 ./build/bench_lstm --model ln-hyperlstm --vocab 50 --hidden 256 --hyper-hidden 64 --hyper-embed 4 --steps 2 --repeats 3
OMP_NUM_THREADS=2 ./build/bench_lstm --model ln-hyperlstm --vocab 50 --hidden 1000 --hyper-hidden 128 --hyper-embed 4 --steps 1 --repeats 2
rm -rf /tmp/hn_speeds
date -u
