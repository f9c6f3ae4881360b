#!/usr/bin/env bash
# data_fetch.sh - put the data sets the examples use under data/.
#
#   ./data_fetch.sh                      every data set
#   ./data_fetch.sh mnist shakespeare    only these
#   ./data_fetch.sh --from DIR mnist     from a local mirror instead of the
#                                        network (laid out like shared/data)
#
# Data sets and where they land:
#   mnist          data/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#   fashion-mnist  data/fashion-mnist/ (same four names)
#   cifar-10       data/cifar-10/{data_batch_1..5,test_batch}.bin, batches.meta.txt
#                  (a mirror's subset lands in data/cifar-10-subset/ instead)
#   svhn           data/svhn/{train,test}_32x32.mat
#   shakespeare    data/tinyshakespeare/input.txt
#   ptb            data/ptb/ptb.char.{train,valid,test}.txt
#
# Every file is checked (sha256 of the uncompressed content where the file
# is fixed, the exact size otherwise) before it counts as there; a file that
# is already there and checks out is left alone. IDX files stay gzipped
# (the library reads them either way); from a mirror they are linked, not
# copied (--copy copies). Fashion-MNIST is also taken from where Debian's
# dataset-fashion-mnist package installs it. Offline, the script fails fast
# (short connect timeouts) and names the files it needs and their sources.
#
# Options:
#   --from DIR   local mirror (also: environment variable HN_DATA_FROM)
#   --dest DIR   where to put the data (default: data/ beside this script)
#   --copy       copy from the mirror instead of linking
#   --help
set -u

here=$(cd "$(dirname "$0")" && pwd)
dest="$here/data"
from="${HN_DATA_FROM:-}"
copy=0
debian_fashion=/usr/share/datasets/fashion-mnist
all_sets="mnist fashion-mnist cifar-10 svhn shakespeare ptb"

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

say() { printf '%s\n' "$*"; }
warn() { printf 'data_fetch: %s\n' "$*" >&2; }

# ---- checks -------------------------------------------------------------

# sha256 of a file's content, gunzipped first when its name ends in .gz.
content_sha256() {
    case $1 in
    *.gz) gzip -dc -- "$1" 2>/dev/null | sha256sum | cut -d' ' -f1 ;;
    *) sha256sum -- "$1" | cut -d' ' -f1 ;;
    esac
}

# check FILE sha256:HEX | size:BYTES -> 0 when the file is what we expect.
check() {
    local file=$1 want=$2
    [ -r "$file" ] || return 1
    case $want in
    sha256:*) [ "$(content_sha256 "$file")" = "${want#sha256:}" ] ;;
    size:*) [ "$(stat -L -c %s -- "$file")" = "${want#size:}" ] ;;
    *) return 1 ;;
    esac
}

# ---- getting one file ---------------------------------------------------

# download URL OUT: fails within ~10 s without a network, and gives up on a
# transfer that stalls below 1 kB/s for 30 s.
download() {
    local url=$1 out=$2
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --connect-timeout 10 --speed-limit 1000 --speed-time 30 \
             -o "$out" "$url" 2>/dev/null
    elif command -v wget >/dev/null 2>&1; then
        wget -q --tries=1 --timeout=30 -O "$out" "$url"
    else
        warn "neither curl nor wget is installed"
        return 1
    fi
}

# place SRC DST: link (or copy with --copy) a mirror file into data/.
place() {
    local src=$1 dst=$2
    rm -f -- "$dst"
    if [ "$copy" = 1 ]; then cp -- "$src" "$dst"; else ln -s -- "$src" "$dst"; fi
}

# unpack SRC.gz DST: a mirror's gzipped text or binary, uncompressed.
unpack() {
    gzip -dc -- "$1" >"$2.part" && mv -- "$2.part" "$2"
}

# Files that could not be had, with their sources, for the final message.
missing=()
fetched=0
kept=0

# get DST WANT [mirror:SRC | local:SRC | url:URL] ...: try each source in
# order until DST checks out. A .gz mirror source for a DST without .gz is
# uncompressed on the way.
get() {
    local dst=$1 want=$2 src kind path ok=0 tried=""
    shift 2
    if check "$dst" "$want"; then
        say "  ok     ${dst#"$here"/} (already there)"
        kept=$((kept + 1))
        return 0
    fi
    mkdir -p -- "$(dirname "$dst")"
    for src in "$@"; do
        kind=${src%%:*}
        path=${src#*:}
        case $kind in
        mirror | local)
            [ -r "$path" ] || continue
            case $path in
            *.gz) case $dst in
                  *.gz) place "$path" "$dst" ;;
                  *) unpack "$path" "$dst" ;;
                  esac ;;
            *) place "$path" "$dst" ;;
            esac
            ;;
        url)
            tried="$tried $path"
            download "$path" "$dst.part" && mv -- "$dst.part" "$dst"
            rm -f -- "$dst.part"
            ;;
        esac
        if check "$dst" "$want"; then
            ok=1
            say "  got    ${dst#"$here"/} <- $path"
            break
        fi
        [ -e "$dst" ] && warn "$path: does not match $want, ignored"
        rm -f -- "$dst"
    done
    if [ "$ok" = 1 ]; then
        fetched=$((fetched + 1))
        return 0
    fi
    rmdir -- "$(dirname "$dst")" 2>/dev/null
    say "  MISSING ${dst#"$here"/}"
    missing+=("${dst#"$here"/}  ($want) from:${tried:- (no source)}")
    return 1
}

# unpacked DST WANT FROM: report on a file a tarball has just put in place.
unpacked() {
    if check "$1" "$2"; then
        say "  got    ${1#"$here"/} <- $3"
        fetched=$((fetched + 1))
        return 0
    fi
    rm -f -- "$1"
    say "  MISSING ${1#"$here"/} (not in $3, or not $2)"
    missing+=("${1#"$here"/}  ($2) from: $3")
    return 1
}

# ---- the data sets ------------------------------------------------------

idx_names=(train-images-idx3-ubyte train-labels-idx1-ubyte
           t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

fetch_mnist() {
    # sha256 of the uncompressed official files.
    local sums=(ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
                65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
                0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
                ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2)
    local i n
    say "mnist: 60,000 train / 10,000 test digits (IDX, gzipped)"
    for i in 0 1 2 3; do
        n=${idx_names[$i]}.gz
        get "$dest/mnist/$n" "sha256:${sums[$i]}" \
            "mirror:${from:+$from/mnist/$n}" \
            "url:http://yann.lecun.com/exdb/mnist/$n" \
            "url:https://ossci-datasets.s3.amazonaws.com/mnist/$n"
    done
}

fetch_fashion() {
    local sums=(c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
                bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
                5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
                0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34)
    local i n
    say "fashion-mnist: 60,000 train / 10,000 test clothing images (IDX, gzipped)"
    for i in 0 1 2 3; do
        n=${idx_names[$i]}.gz
        get "$dest/fashion-mnist/$n" "sha256:${sums[$i]}" \
            "mirror:${from:+$from/fashion-mnist/$n}" \
            "local:$debian_fashion/$n" \
            "url:http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/$n"
    done
}

fetch_cifar() {
    local d="$dest/cifar-10" tgz b url ok=1
    local sub="${from:+$from/cifar-10-subset}"
    say "cifar-10: 50,000 train / 10,000 test 32x32 colour images (binary version)"

    # A mirror with the whole set in the official layout comes first.
    if [ -n "$from" ] && [ -r "$from/cifar-10/test_batch.bin" ]; then
        for b in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 \
                 test_batch; do
            get "$d/$b.bin" size:30730000 "mirror:$from/cifar-10/$b.bin" || ok=0
        done
        return $((1 - ok))
    fi

    # A mirror with only the subset: say so, and keep its own names.
    if [ -n "$sub" ] && [ -r "$sub/test_batch_first1000.bin.gz" ]; then
        say "  (the mirror holds a subset: 4,000 train / 1,000 test records)"
        get "$dest/cifar-10-subset/data_batch_1_first4000.bin" \
            sha256:0993cf8b8e43bc207603aef9787006995746513f5e3fa5a52e06d1b069926330 \
            "mirror:$sub/data_batch_1_first4000.bin.gz" || ok=0
        get "$dest/cifar-10-subset/test_batch_first1000.bin" \
            sha256:8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5 \
            "mirror:$sub/test_batch_first1000.bin.gz" || ok=0
        return $((1 - ok))
    fi

    # The official tarball: six batches of 10,000 records of 3,073 bytes.
    if check "$d/test_batch.bin" size:30730000 &&
       check "$d/data_batch_5.bin" size:30730000; then
        say "  ok     ${d#"$here"/}/*.bin (already there)"
        kept=$((kept + 1))
        return 0
    fi
    mkdir -p -- "$d"
    tgz="$d/cifar-10-binary.tar.gz"
    url=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
    if download "$url" "$tgz.part" && mv -- "$tgz.part" "$tgz" &&
       tar -xzf "$tgz" -C "$d" --strip-components=1; then
        rm -f -- "$tgz"
        for b in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 \
                 test_batch; do
            unpacked "$d/$b.bin" size:30730000 "$url" || ok=0
        done
        return $((1 - ok))
    fi
    rm -f -- "$tgz.part" "$tgz"
    rmdir -- "$d" 2>/dev/null
    say "  MISSING ${d#"$here"/}/{data_batch_1..5,test_batch}.bin"
    missing+=("${d#"$here"/}/{data_batch_1..5,test_batch}.bin (30,730,000 bytes each) from: $url")
    return 1
}

fetch_svhn() {
    say "svhn: 73,257 train / 26,032 test 32x32 house numbers (MATLAB .mat)"
    get "$dest/svhn/train_32x32.mat" size:182040794 \
        "mirror:${from:+$from/svhn/train_32x32.mat}" \
        "url:http://ufldl.stanford.edu/housenumbers/train_32x32.mat"
    get "$dest/svhn/test_32x32.mat" size:64275384 \
        "mirror:${from:+$from/svhn/test_32x32.mat}" \
        "url:http://ufldl.stanford.edu/housenumbers/test_32x32.mat"
}

fetch_shakespeare() {
    local repo=https://raw.githubusercontent.com/karpathy/char-rnn/master
    say "shakespeare: Tiny Shakespeare, 1,115,394 characters"
    get "$dest/tinyshakespeare/input.txt" \
        sha256:86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed \
        "mirror:${from:+$from/tinyshakespeare/input.txt}" \
        "url:$repo/data/tinyshakespeare/input.txt"
}

fetch_ptb() {
    local d="$dest/ptb" tgz s ok=1
    local url=http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz
    local names=(train valid test)
    local sums=(e313d91425e06c4f0a8fb6e881dcce0c291f2a0e9f4dda54833069b122f91da9
                21661f63ec355085879458b6524644d4add5573541b4be14fb52ab2e2e995eb8
                1ef5607ac3c463b16e38bfe7900dd3bfc91de5a96e0f21e7eab5188b465b8ebe)
    say "ptb: Penn Treebank, character level (Mikolov's simple-examples)"

    # Mirror (gzipped) or already there: file by file.
    if [ -n "$from" ] || { check "$d/ptb.char.train.txt" "sha256:${sums[0]}" &&
                           check "$d/ptb.char.test.txt" "sha256:${sums[2]}"; }; then
        for s in 0 1 2; do
            get "$d/ptb.char.${names[$s]}.txt" "sha256:${sums[$s]}" \
                "mirror:${from:+$from/ptb/ptb.char.${names[$s]}.txt.gz}" || ok=0
        done
        return $((1 - ok))
    fi

    # The three files sit in a 34 MB tarball of Mikolov's RNNLM examples.
    mkdir -p -- "$d"
    tgz="$d/simple-examples.tgz"
    if download "$url" "$tgz.part" && mv -- "$tgz.part" "$tgz"; then
        for s in 0 1 2; do
            tar -xzOf "$tgz" "./simple-examples/data/ptb.char.${names[$s]}.txt" \
                >"$d/ptb.char.${names[$s]}.txt" 2>/dev/null
            unpacked "$d/ptb.char.${names[$s]}.txt" "sha256:${sums[$s]}" "$url" || ok=0
        done
        rm -f -- "$tgz"
        return $((1 - ok))
    fi
    rm -f -- "$tgz.part" "$tgz"
    rmdir -- "$d" 2>/dev/null
    say "  MISSING ${d#"$here"/}/ptb.char.{train,valid,test}.txt"
    missing+=("${d#"$here"/}/ptb.char.{train,valid,test}.txt from: $url")
    return 1
}

# ---- main ---------------------------------------------------------------

sets=()
while [ $# -gt 0 ]; do
    case $1 in
    --from) [ $# -ge 2 ] || { warn "--from needs a folder"; exit 2; }
            from=$2; shift ;;
    --from=*) from=${1#--from=} ;;
    --dest) [ $# -ge 2 ] || { warn "--dest needs a folder"; exit 2; }
            dest=$2; shift ;;
    --dest=*) dest=${1#--dest=} ;;
    --copy) copy=1 ;;
    -h | --help) usage; exit 0 ;;
    mnist | fashion-mnist | cifar-10 | svhn | shakespeare | ptb) sets+=("$1") ;;
    fashion | fashion_mnist) sets+=(fashion-mnist) ;;
    cifar | cifar10) sets+=(cifar-10) ;;
    tinyshakespeare | tiny-shakespeare) sets+=(shakespeare) ;;
    *) warn "unknown data set or option '$1' (data sets: $all_sets)"; exit 2 ;;
    esac
    shift
done
[ ${#sets[@]} -gt 0 ] || read -r -a sets <<<"$all_sets"

if [ -n "$from" ]; then
    [ -d "$from" ] || { warn "--from $from: no such folder"; exit 2; }
    from=$(cd "$from" && pwd)
fi
mkdir -p -- "$dest" || exit 1
dest=$(cd "$dest" && pwd)
say "data_fetch: into $dest${from:+, from the mirror $from}"

for s in "${sets[@]}"; do
    case $s in
    mnist) fetch_mnist ;;
    fashion-mnist) fetch_fashion ;;
    cifar-10) fetch_cifar ;;
    svhn) fetch_svhn ;;
    shakespeare) fetch_shakespeare ;;
    ptb) fetch_ptb ;;
    esac
done

say "data_fetch: $fetched file(s) fetched, $kept already there, ${#missing[@]} missing"
if [ ${#missing[@]} -gt 0 ]; then
    say ""
    say "These could not be had (no network, or the source is gone). Put them"
    say "there by hand, or point --from at a mirror laid out like shared/data:"
    for m in "${missing[@]}"; do say "  $m"; done
    exit 1
fi
exit 0
