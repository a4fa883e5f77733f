#!/usr/bin/env bash
# firmware/install.sh: turn a fresh Raspberry Pi OS Lite (Bookworm or Trixie) into a pacer.
#
#   sudo firmware/install.sh                      on the Pi itself
#   sudo firmware/install.sh --dry-run            print what it would change, change nothing
#   sudo firmware/install.sh --root /mnt/pi       write the files into a mounted image and
#                                                 print the commands left to run inside it
#   sudo firmware/install.sh --root /mnt/pi --chroot
#                                                 ... and run those commands with chroot(8)
#   sudo firmware/install.sh --readonly-root      also: overlayfs root, data partition
#
# What it does (each step only when needed, so a second run changes nothing):
#   files     the source in /opt/pacer/src, the units in /etc/systemd/system (enabled;
#             pacer-sync.timer: the device syncs itself when idle on Wi-Fi),
#             /opt/pacer/bin/pacer-gadget, udev rules, the D-Bus policy, the polkit rule
#             (the pacer user may power off), modules-load.d, /etc/pacer/config.toml (only
#             if absent), the boot configuration (config.txt block between "# >>> pacer"
#             and "# <<< pacer": I2C, USB gadget, audio, LED, CPU clock; modules-load=dwc2
#             and video=HDMI-A-1:d in cmdline.txt)
#   services  disables what a headless pacer never uses, where present (triggerhappy,
#             ModemManager, the apt and man-db timers): `systemctl enable` undoes it
#   commands  apt-get install of the missing Debian packages (python3-lgpio only where the
#             archive has it: Raspberry Pi OS), the groups and the pacer user, the venv in
#             /opt/pacer/venv (with the system site packages, for python3-lgpio) and pip
#             install of pacer into it
#
# Options:
#   --root DIR       act on the root file system mounted at DIR (default /)
#   --chroot         with --root: run the commands inside DIR with chroot (same CPU
#                    architecture, or qemu-user-static registered with binfmt_misc)
#   --dry-run        print the plan, change nothing
#   --readonly-root  make the root file system read-only (overlayfs, raspi-config) and
#                    mount the partition labelled pacer-data at /var/lib/pacer
#   --no-packages    skip apt-get (packages installed some other way)
#   -h, --help       this text
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

ROOT=/
DRY_RUN=0
CHROOT=0
READONLY_ROOT=0
PACKAGES=1

# polkitd: the rule that lets the pacer user power off; rfkill: Wi-Fi off during a run;
# libfribidi0: Pillow lays the screens' text out with Raqm only when it can load FriBiDi
# (without it text is measured differently: the heart rate drops a size, words wrap elsewhere).
APT_PACKAGES=(python3 python3-venv bluez i2c-tools libopenjp2-7 libopenblas0 libfribidi0 polkitd
  rfkill)
# Only in Raspberry Pi OS's archive: skipped with a note elsewhere (plain Debian), where the
# venv gets the same library from PyPI (pyproject.toml's `pi` extra).
PI_OS_PACKAGES=(python3-lgpio)
# Units a headless pacer never uses, disabled when the image has them (hotkey daemon, modem
# manager, daily apt and man-db runs that wake the CPU and the SD card on battery).
UNITS_OFF=(triggerhappy.service triggerhappy.socket ModemManager.service apt-daily.timer
  apt-daily-upgrade.timer man-db.timer)
GROUPS_NEEDED=(gpio i2c bluetooth dialout)
USER_NAME=pacer
PREFIX=/opt/pacer
VENV=$PREFIX/venv
DATA_LABEL=pacer-data
DATA_DIR=/var/lib/pacer
BLOCK_BEGIN="# >>> pacer (managed by firmware/install.sh: edits inside this block are replaced)"
BLOCK_END="# <<< pacer"

usage() {
  sed -n '2,/^set -euo pipefail$/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
  echo "install.sh: $*" >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --root)
      [ $# -ge 2 ] || die "--root needs a directory"
      ROOT=$2
      shift 2
      ;;
    --root=*)
      ROOT=${1#--root=}
      shift
      ;;
    --dry-run) DRY_RUN=1 && shift ;;
    --chroot) CHROOT=1 && shift ;;
    --readonly-root) READONLY_ROOT=1 && shift ;;
    --no-packages) PACKAGES=0 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done

[ -d "$ROOT" ] || die "--root $ROOT is not a directory"
ROOT=$(cd "$ROOT" && pwd)
if [ "$ROOT" = / ]; then
  MODE=live
  [ "$CHROOT" = 0 ] || die "--chroot needs --root DIR"
elif [ "$CHROOT" = 1 ]; then
  MODE=chroot
else
  MODE=offline
fi
if [ "$DRY_RUN" = 0 ] && [ "$MODE" != offline ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo), or use --dry-run"
fi

CHANGES=0
QUIET=0
PENDING=()

# The path of an absolute in-image path on this machine.
target() {
  if [ "$ROOT" = / ]; then
    printf '%s\n' "$1"
  else
    printf '%s%s\n' "$ROOT" "$1"
  fi
}

say() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "would $*"
  else
    echo "$*"
  fi
}

change() {
  CHANGES=$((CHANGES + 1))
  if [ "$QUIET" = 0 ]; then say "$@"; fi
}

# run_cmd "shell command": run it in the image (live or chroot); offline, keep it for the
# end; in a dry run, only say so.
run_cmd() {
  local cmd=$1
  if [ "$MODE" = offline ]; then
    PENDING+=("$cmd")
    return 0
  fi
  change "run: $cmd"
  [ "$DRY_RUN" = 0 ] || return 0
  if [ "$MODE" = chroot ]; then
    chroot "$ROOT" /bin/sh -ec "$cmd"
  else
    /bin/sh -ec "$cmd"
  fi
}

# Replace $2 (an in-image path) with the content of file $1 when they differ.
put_file() {
  local src=$1 dest=$2 mode=$3 dst
  dst=$(target "$dest")
  if [ -f "$dst" ] && [ ! -L "$dst" ] && cmp -s "$src" "$dst" &&
    [ "$(stat -c %a "$dst")" = "${mode#0}" ]; then
    return 0
  fi
  change "install $dest (mode $mode)"
  [ "$DRY_RUN" = 0 ] || return 0
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst.pacer-new"
  chmod "$mode" "$dst.pacer-new"
  mv -f "$dst.pacer-new" "$dst"
}

# Install a file only if it is absent (configuration the user edits).
put_file_once() {
  local src=$1 dest=$2 mode=$3
  if [ -e "$(target "$dest")" ]; then
    return 0
  fi
  put_file "$src" "$dest" "$mode"
}

ensure_dir() {
  local dir=$1
  [ -d "$(target "$dir")" ] && return 0
  change "create $dir/"
  [ "$DRY_RUN" = 0 ] || return 0
  mkdir -p "$(target "$dir")"
}

ensure_symlink() {
  local to=$1 link=$2 at
  at=$(target "$link")
  if [ -L "$at" ] && [ "$(readlink "$at")" = "$to" ]; then
    return 0
  fi
  change "link $link -> $to"
  [ "$DRY_RUN" = 0 ] || return 0
  mkdir -p "$(dirname "$at")"
  ln -sfn "$to" "$at"
}

# The files of the source tree that go onto the device, relative to $SRC, sorted.
source_files() {
  (
    cd "$SRC"
    local f dirs=()
    for f in pyproject.toml README.md LICENSE; do
      if [ -f "$f" ]; then echo "$f"; fi
    done
    for f in device docs firmware systemd hardware; do
      if [ -d "$f" ]; then dirs+=("$f"); fi
    done
    find "${dirs[@]}" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path '*.egg-info/*'
  ) | LC_ALL=C sort
}

# Copy the source tree to $PREFIX/src (one line for all of it, not one per file).
sync_source() {
  local dest=$PREFIX/src f before=$CHANGES copied root_dest
  local -A keep=()
  QUIET=1
  while IFS= read -r f; do
    keep["$f"]=1
    put_file "$SRC/$f" "$dest/$f" "$(stat -c %a "$SRC/$f")"
  done < <(source_files)
  copied=$((CHANGES - before))
  QUIET=0
  # Files a previous version installed that the source no longer has.
  root_dest=$(target "$dest")
  if [ -d "$root_dest" ]; then
    while IFS= read -r f; do
      if [ -z "${keep[$f]:-}" ]; then
        change "remove $dest/$f"
        if [ "$DRY_RUN" = 0 ]; then rm -f "$root_dest/$f"; fi
      fi
    done < <(cd "$root_dest" && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' \
      ! -path '*.egg-info/*' | sed 's|^\./||' | LC_ALL=C sort)
  fi
  if ((copied)); then
    say "copy the source into $dest/ ($copied files new or changed)"
  fi
}

source_hash() {
  (cd "$SRC" && source_files | tr '\n' '\0' | xargs -0 sha256sum) | sha256sum | cut -c1-64
}

# Rewrite an in-image file through a filter (stdin -> stdout) when the result differs.
edit_file() {
  local file=$1 what=$2
  shift 2
  local at new
  at=$(target "$file")
  new=$(mktemp)
  if [ -f "$at" ]; then
    "$@" <"$at" >"$new"
  else
    "$@" </dev/null >"$new"
  fi
  if [ -f "$at" ] && cmp -s "$new" "$at"; then
    rm -f "$new"
    return 0
  fi
  change "edit $file: $what"
  if [ "$DRY_RUN" = 1 ]; then
    rm -f "$new"
    return 0
  fi
  mkdir -p "$(dirname "$at")"
  if [ -f "$at" ]; then
    chmod --reference="$at" "$new"
  else
    chmod 0644 "$new"
  fi
  mv -f "$new" "$at"
}

# stdin config.txt -> stdout with the pacer block (filter: [all]) replaced or appended.
with_config_block() {
  awk -v begin="$BLOCK_BEGIN" -v end="$BLOCK_END" -v fragment="$HERE/boot/config.txt.fragment" '
    function block(  line) {
      print begin
      print "[all]"
      while ((getline line < fragment) > 0) print line
      close(fragment)
      print end
    }
    $0 == begin { block(); skipping = 1; done = 1; next }
    skipping && $0 == end { skipping = 0; next }
    skipping { next }
    { print; last = $0; n++ }
    END {
      if (!done) {
        if (n > 0 && last != "") print ""
        block()
      }
    }'
}

# stdin cmdline.txt (one line) -> stdout with dwc2 in modules-load= and the HDMI
# connector disabled (video=HDMI-A-1:d: the KMS driver never powers the HDMI encoder; a
# video=HDMI-A-1:... the user set is left alone).
with_cmdline() {
  awk '
    NR == 1 {
      found = 0
      video = 0
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^modules-load=/) {
          found = 1
          if (("," substr($i, 14) ",") !~ /,dwc2,/) $i = $i ",dwc2"
        }
        if ($i ~ /^video=HDMI-A-1:/) video = 1
      }
      if (!found) $0 = $0 " modules-load=dwc2"
      if (!video) $0 = $0 " video=HDMI-A-1:d"
    }
    { print }'
}

with_line() {
  local line=$1
  awk -v line="$line" '$0 == line { seen = 1 } { print } END { if (!seen) print line }'
}

group_exists() {
  grep -q "^$1:" "$(target /etc/group)" 2>/dev/null
}

user_exists() {
  grep -q "^$1:" "$(target /etc/passwd)" 2>/dev/null
}

in_group() {
  local user=$1 group=$2
  awk -F: -v g="$group" -v u="$user" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) found = 1 } END { exit !found }' \
    "$(target /etc/group)" 2>/dev/null
}

# Every in-image unit file directory, most specific first.
unit_file() {
  local d
  for d in /etc/systemd/system /usr/lib/systemd/system /lib/systemd/system; do
    if [ -f "$(target "$d/$1")" ]; then
      echo "$d/$1"
      return 0
    fi
  done
  return 1
}

# The symlinks `systemctl enable` made for a unit: in *.wants/ and *.requires/ under
# /etc/systemd/system, and aliases (dbus-org.*.service) pointing at it. One per line.
enablement_links() {
  local unit=$1 dir
  dir=$(target /etc/systemd/system)
  [ -d "$dir" ] || return 0
  find "$dir" -type l \( -path '*.wants/*' -o -path '*.requires/*' \) -name "$unit" \
    -printf '/etc/systemd/system/%P\n'
  find "$dir" -maxdepth 1 -type l ! -name "$unit" -lname "*/$unit" \
    -printf '/etc/systemd/system/%P\n'
}

# The image has apt package lists (apt-get update ran at least once).
apt_lists_known() {
  compgen -G "$(target /var/lib/apt/lists)/*_Packages" >/dev/null
}

# A package the image's apt lists know (uncompressed lists, apt's default).
pkg_in_lists() {
  grep -qsx "Package: $1" "$(target /var/lib/apt/lists)"/*_Packages
}

pkg_installed() {
  awk -v p="$1" '
    $1 == "Package:" { cur = $2 }
    $1 == "Status:" && cur == p && $0 ~ /install ok installed/ { found = 1 }
    END { exit !found }' "$(target /var/lib/dpkg/status)" 2>/dev/null
}

boot_dir() {
  if [ -d "$(target /boot/firmware)" ]; then
    echo /boot/firmware
  elif [ -f "$(target /boot/config.txt)" ]; then
    echo /boot
  else
    echo /boot/firmware
  fi
}

# ------------------------------------------------------------------------------ steps

step_packages() {
  [ "$PACKAGES" = 1 ] || return 0
  local missing=() pi_missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  for p in "${PI_OS_PACKAGES[@]}"; do
    pkg_installed "$p" && continue
    if apt_lists_known && ! pkg_in_lists "$p"; then
      # A plain Debian root whose package lists are already there: nothing to run.
      echo "note: $p is only in the Raspberry Pi OS archive: skipped (the venv gets it from PyPI)"
      continue
    fi
    pi_missing+=("$p")
  done
  ((${#missing[@]} + ${#pi_missing[@]})) || return 0
  run_cmd "apt-get update"
  if ((${#missing[@]})); then
    run_cmd "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  fi
  for p in "${pi_missing[@]}"; do
    run_cmd "if apt-cache show $p >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $p; else echo 'note: $p is only in the Raspberry Pi OS archive: skipped (the venv gets it from PyPI)'; fi"
  done
}

step_user() {
  local g
  for g in "${GROUPS_NEEDED[@]}"; do
    group_exists "$g" || run_cmd "groupadd --system $g"
  done
  if ! user_exists "$USER_NAME"; then
    run_cmd "useradd --system --user-group --home-dir $DATA_DIR --no-create-home --shell /usr/sbin/nologin $USER_NAME"
  fi
  local missing=()
  for g in "${GROUPS_NEEDED[@]}"; do
    in_group "$USER_NAME" "$g" || missing+=("$g")
  done
  if ((${#missing[@]})); then
    run_cmd "usermod --append --groups $(
      IFS=,
      echo "${missing[*]}"
    ) $USER_NAME"
  fi
}

step_files() {
  sync_source
  put_file "$HERE/gadget/pacer-gadget" "$PREFIX/bin/pacer-gadget" 0755
  put_file "$SRC/systemd/pacer.service" /etc/systemd/system/pacer.service 0644
  put_file "$SRC/systemd/pacer-gadget.service" /etc/systemd/system/pacer-gadget.service 0644
  # `systemctl enable` without a running systemd: the same symlinks it would make.
  ensure_symlink /etc/systemd/system/pacer.service \
    /etc/systemd/system/multi-user.target.wants/pacer.service
  ensure_symlink /etc/systemd/system/pacer-gadget.service \
    /etc/systemd/system/multi-user.target.wants/pacer-gadget.service
  # The device's own sync: the timer is enabled, the service only ever started by it.
  put_file "$SRC/systemd/pacer-sync.service" /etc/systemd/system/pacer-sync.service 0644
  put_file "$SRC/systemd/pacer-sync.timer" /etc/systemd/system/pacer-sync.timer 0644
  ensure_symlink /etc/systemd/system/pacer-sync.timer \
    /etc/systemd/system/timers.target.wants/pacer-sync.timer
  put_file "$HERE/udev/90-pacer-device.rules" /etc/udev/rules.d/90-pacer-device.rules 0644
  put_file "$HERE/dbus/pacer.conf" /etc/dbus-1/system.d/pacer.conf 0644
  put_file "$HERE/polkit/50-pacer.rules" /etc/polkit-1/rules.d/50-pacer.rules 0644
  put_file "$HERE/etc/modules-load.conf" /etc/modules-load.d/pacer.conf 0644
  put_file_once "$HERE/etc/config.toml" /etc/pacer/config.toml 0644
  ensure_dir "$DATA_DIR"
}

step_boot() {
  local boot
  boot=$(boot_dir)
  if [ ! -f "$(target "$boot/config.txt")" ]; then
    echo "note: no $boot/config.txt (not a Raspberry Pi OS root?); its lines would be:"
    sed 's/^/  /' "$HERE/boot/config.txt.fragment"
    return 0
  fi
  edit_file "$boot/config.txt" "I2C at 400 kHz, dwc2 peripheral, audio, LED and CPU clock" \
    with_config_block
  if [ -f "$(target "$boot/cmdline.txt")" ]; then
    edit_file "$boot/cmdline.txt" "modules-load=dwc2, HDMI off" with_cmdline
  else
    echo "note: no $boot/cmdline.txt; add modules-load=dwc2 video=HDMI-A-1:d to the" \
      "kernel command line"
  fi
}

# Disable (not mask) the units a pacer never uses: the same symlinks `systemctl disable`
# removes, so `systemctl enable UNIT` brings one back.
step_services() {
  local unit link
  for unit in "${UNITS_OFF[@]}"; do
    unit_file "$unit" >/dev/null || continue
    while IFS= read -r link; do
      [ -n "$link" ] || continue
      change "disable $unit: remove $link (undo: systemctl enable $unit)"
      if [ "$DRY_RUN" = 0 ]; then rm -f "$(target "$link")"; fi
    done < <(enablement_links "$unit")
  done
}

step_venv() {
  if [ ! -f "$(target "$VENV/pyvenv.cfg")" ]; then
    run_cmd "python3 -m venv --system-site-packages $VENV"
  fi
  local hash stamp
  hash=$(source_hash)
  stamp=$(target "$VENV/.pacer-source")
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    # setuptools builds in the source tree: its build/ would look like stale files next time.
    run_cmd "$VENV/bin/pip install --disable-pip-version-check --quiet '$PREFIX/src[pi]' && rm -rf $PREFIX/src/build && echo $hash > $VENV/.pacer-source"
  fi
}

step_readonly_root() {
  [ "$READONLY_ROOT" = 1 ] || return 0
  edit_file /etc/fstab "mount $DATA_LABEL at $DATA_DIR" with_line \
    "LABEL=$DATA_LABEL $DATA_DIR ext4 defaults,noatime,nofail,x-systemd.device-timeout=10s 0 2"
  local cmdline
  cmdline=$(target "$(boot_dir)/cmdline.txt")
  if ! grep -qs 'overlayroot=' "$cmdline"; then
    run_cmd "raspi-config nonint do_overlayfs 0"
  fi
}

step_reload() {
  [ "$MODE" = live ] && [ "$DRY_RUN" = 0 ] && [ "$CHANGES" -gt 0 ] || return 0
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    udevadm control --reload 2>/dev/null || true
    echo "reboot to apply the boot configuration; pacer starts on its own from then on"
  fi
}

echo "pacer install: $MODE mode, root $ROOT, source $SRC$([ "$DRY_RUN" = 1 ] && echo ', dry run')"
step_packages
step_user
step_files
step_boot
step_services
step_venv
step_readonly_root
step_reload

if [ "$DRY_RUN" = 1 ]; then
  echo "pacer install: $CHANGES changes would be made (dry run: nothing changed)"
else
  echo "pacer install: $CHANGES changes"
fi
if ((${#PENDING[@]})); then
  echo "pacer install: to finish, run inside the image (or re-run with --chroot):"
  printf '  %s\n' "${PENDING[@]}"
fi
