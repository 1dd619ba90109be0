#!/usr/bin/env bash
# The benchmark script of Qdrant's io_uring article (shared/reference/qdrant-io_uring-article.md),
# runnable as is against ringvec or Qdrant: three timed rounds of 1000 recommend requests with
# rescoring, 4 in parallel (xargs -P 4), for point ids 1–1000, 1000–2000 and 2000–3000 (so the
# collection needs points with those ids; `ringvec bench article --storage DIR` makes one).
#
#   QDRANT_URL=localhost:6333 COLLECTION=bench bench/article-recommend.sh
#
# Run it twice, once with the server started with async_scorer off and once with it on
# (RINGVEC__STORAGE__PERFORMANCE__ASYNC_SCORER=true), and watch the disk with `iostat -x 1` in
# another console. Each round prints its time and the number of answers (`wc -l`; 1000, 1001,
# 1001 — seq includes both ends). For cold numbers drop the page cache first (root:
# `sync; echo 3 > /proc/sys/vm/drop_caches`, after restarting the server so no mapping pins
# pages). `ringvec bench article` does all of that for you and measures more.
#
# The rounds below are the article's lines unchanged, including the first one's "http://" prefix
# (curl accepts the URL with and without it). They pipe into `jq .status`; install jq with
# `apt-get install jq` — without it a small stand-in below prints the same "ok" lines.
set -u

export QDRANT_URL="${QDRANT_URL:-localhost:6333}"
export COLLECTION="${COLLECTION:-bench}"
QDRANT_URL="${QDRANT_URL#http://}"

if ! command -v jq >/dev/null 2>&1; then
	echo "jq not found (apt-get install jq); using a grep stand-in for 'jq .status'" >&2
	# Prints each answer's "status" value, one per line, like `jq .status` does.
	jq() {
		grep -o '"status":\("[^"]*"\|{[^}]*}\)' | sed 's/^"status"://'
	}
fi

if ! curl -sf -o /dev/null "http://${QDRANT_URL}/collections/${COLLECTION}"; then
	echo "no collection ${COLLECTION} at http://${QDRANT_URL} (set QDRANT_URL=host:port and COLLECTION)" >&2
	exit 1
fi

# disable quantization to prepare for the test
time seq 1000 | xargs -P 4 -I {} curl -L -X POST \
	"http://${QDRANT_URL}/collections/${COLLECTION}/points/recommend" \
	-H 'Content-Type: application/json' --data-raw \
	'{ "limit": 10, "positive": [{}], "params": { "quantization": { "rescore": true  } } }' \
	-s | jq .status | wc -l

time seq 1000 2000 | xargs -P 4 -I {} curl -L -X POST \
	"${QDRANT_URL}/collections/${COLLECTION}/points/recommend" \
	-H 'Content-Type: application/json' --data-raw \
	'{ "limit": 10, "positive": [{}], "params": { "quantization": { "rescore": true  } } }' \
	-s | jq .status | wc -l

time seq 2000 3000 | xargs -P 4 -I {} curl -L -X POST \
	"${QDRANT_URL}/collections/${COLLECTION}/points/recommend" \
	-H 'Content-Type: application/json' --data-raw \
	'{ "limit": 10, "positive": [{}], "params": { "quantization": { "rescore": true  } } }' \
	-s | jq .status | wc -l
