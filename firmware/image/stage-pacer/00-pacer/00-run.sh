#!/bin/bash -e
# pi-gen sub-stage: make the image a pacer with firmware/install.sh.
#
# First on the build host: install.sh --root writes every file into the image's root
# (the source in /opt/pacer/src, units, rules, boot configuration). Then inside the image
# (pi-gen's on_chroot, with /proc, /sys and /dev mounted): the same script, run from the
# copy, does what needs the image's own tools (apt-get, useradd, the venv, pip). The second
# pass finds the files already in place and leaves them alone.
#
# PACER_SRC     the pacer checkout (default: the one this stage directory lives in)
# PACER_INSTALL_ARGS  extra install.sh options, e.g. "--readonly-root"

PACER_SRC=${PACER_SRC:-$(cd ../../../.. && pwd)}
read -r -a extra <<<"${PACER_INSTALL_ARGS:-}"

"${PACER_SRC}/firmware/install.sh" --root "${ROOTFS_DIR}" "${extra[@]}"

on_chroot <<CHROOT
/opt/pacer/src/firmware/install.sh ${PACER_INSTALL_ARGS:-}
CHROOT
