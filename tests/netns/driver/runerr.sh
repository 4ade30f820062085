#!/bin/bash
# netns_driver_runerr: a ruleset text refused by libnftables or by the kernel is
# located (its line named) and nothing of it applied; run in a namespace of its own.
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
T=${IPP_BUILD_DIR:?IPP_BUILD_DIR is not set}/tests/ipp-driver-runerr
exec unshare -n "$T"
