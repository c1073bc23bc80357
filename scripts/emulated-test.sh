#!/usr/bin/env bash
# Runs iouring4j's tests inside a qemu guest: another architecture (aarch64, emulated by TCG) and/or another
# kernel than the host's (Debian's kernel of the chosen suite), to show that the one jar runs wherever JNA runs.
#
#   scripts/emulated-test.sh ARCH [KERNEL_SUITE] [TEST_SETS]
#
#   ARCH          aarch64 | x86_64
#   KERNEL_SUITE  the Debian suite whose kernel boots the guest: bookworm (6.1, default), bullseye (5.10, whose
#                 io_uring is the 5.15 one backported: no optional feature of 5.18+), trixie (6.12)
#   TEST_SETS     comma-separated, default "ring,smoke": ring (the ring library's tests), smoke (EchoSmokeTest),
#                 loop (UringIoHandlerTest), echo (the transport's Netty-testsuite *Echo* classes), all;
#                 a set may name transport switches after colons: smoke:bufferRing=false:deferTaskrun=false;
#                 or a test class: org.iouring4j.ring.SockNonEmptyTest
#
# The guest's user space is always Debian bookworm with its OpenJDK 17 (headless); only the kernel changes.
# Caches (kept across `mvn clean`): ${IOURING4J_EMU_CACHE:-~/.cache/iouring4j-emu}/ARCH/ holds the root file
# system, its ext4 image and the kernels. Per-run files and results: target/emu/ARCH-SUITE/ in the repository.
# Needs root (debootstrap into a directory, chroot for the kernels); installs its Debian packages itself.
# Environment: EMU_MEM (guest MiB, default 3072), EMU_SMP (default 2), EMU_TIMEOUT (seconds, default 7200),
# EMU_KVM=0 to not use /dev/kvm for an x86_64 guest, EMU_JAVA_OPTS (more JVM options for the guest's tests,
# e.g. -Diouring4j.bufferRing=false).
set -euo pipefail

usage() {
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

# Everything runs inside main, so bash has read the whole file before it starts: editing the script while a run
# is under way (they last long) cannot change what that run does.
main() {
ARCH=${1:-}
SUITE=${2:-bookworm}
SETS=${3:-ring,smoke}
[[ $ARCH == aarch64 || $ARCH == x86_64 ]] || usage
case $SUITE in bookworm|bullseye|trixie) ;; *) usage ;; esac
[[ $SETS == all ]] && SETS=ring,loop,smoke,echo

REPO=$(cd "$(dirname "$0")/.." && pwd)
MIRROR=${EMU_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${EMU_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${IOURING4J_EMU_CACHE:-$HOME/.cache/iouring4j-emu}/$ARCH
RUN=$REPO/target/emu/$ARCH-$SUITE
MEM=${EMU_MEM:-3072}
SMP=${EMU_SMP:-2}
TIMEOUT=${EMU_TIMEOUT:-7200}
if [[ $ARCH == aarch64 ]]; then DEB_ARCH=arm64; else DEB_ARCH=amd64; fi

log() { echo "emulated-test: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root: the root file system is built with mmdebstrap in root mode and chroot"

# --- 1. host packages -------------------------------------------------------------------------------------------
need_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing Debian packages the emulated run needs: ${missing[*]}"
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
    fi
}
HOST_PACKAGES=(mmdebstrap e2fsprogs)
if [[ $ARCH == aarch64 ]]; then
    # qemu-user-static + binfmt-support: the arm64 packages' maintainer scripts run on this x86_64 host.
    HOST_PACKAGES+=(qemu-system-arm qemu-user-static binfmt-support)
else
    HOST_PACKAGES+=(qemu-system-x86)
fi
need_packages "${HOST_PACKAGES[@]}"

if [[ $ARCH == aarch64 && $(uname -m) != aarch64 ]]; then
    [[ -e /proc/sys/fs/binfmt_misc/register ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64
    [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || die "binfmt_misc has no qemu-aarch64 entry: cannot run arm64 maintainer scripts"
fi

# --- 2. guest root file system (cached) --------------------------------------------------------------------------
ROOTFS=$CACHE/rootfs
mkdir -p "$CACHE"
# mount and iproute2 for the guest's init (the apt variant has neither), procps for sysctl, kmod and
# initramfs-tools for the kernels' initrds.
GUEST_PACKAGES=openjdk-17-jre-headless,mount,iproute2,procps,kmod,initramfs-tools,linux-image-$DEB_ARCH
# The marker holds the package list: a changed list builds the root file system anew.
if [[ $(cat "$ROOTFS/.emu-complete" 2>/dev/null) != "$GUEST_PACKAGES" ]]; then
    log "building the $DEB_ARCH bookworm root file system in $ROOTFS (minutes; longer under binfmt emulation)"
    rm -rf "$ROOTFS"
    mmdebstrap --mode=root --variant=apt --arch="$DEB_ARCH" \
        --include="$GUEST_PACKAGES" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' --setup-hook="$REPO/scripts/emu/rootfs-setup.sh" \
        bookworm "$ROOTFS" \
        "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
        "deb $SECURITY_MIRROR bookworm-security main" >&2
    echo "$GUEST_PACKAGES" > "$ROOTFS/.emu-complete"
    rm -f "$CACHE/root.img"
fi

# Kernel of another suite, installed next to bookworm's in the same root (its modules in their own directory).
install_suite_kernel() {
    local suite=$1 security=$1-security
    [[ $suite == bookworm ]] && return
    log "installing Debian $suite's linux-image-$DEB_ARCH into the root file system"
    cat > "$ROOTFS/etc/apt/sources.list.d/emu-$suite.list" <<EOF
deb $MIRROR $suite main
deb $SECURITY_MIRROR $security main
EOF
    # Only the kernel comes from $suite: everything else stays bookworm's.
    cat > "$ROOTFS/etc/apt/preferences.d/emu-$suite" <<EOF
Package: *
Pin: release n=$suite
Pin-Priority: 100

Package: *
Pin: release n=$security
Pin-Priority: 100
EOF
    "$REPO/scripts/emu/rootfs-setup.sh" "$ROOTFS"
    mount --bind /proc "$ROOTFS/proc"
    mount --bind /sys "$ROOTFS/sys"
    mount --bind /dev "$ROOTFS/dev"
    local rc=1 image release
    # The suite's linux-image-ARCH is older than bookworm's (installed), so apt would keep that one: install the
    # versioned image package it depends on instead, which only the older suite has. The security archive's
    # first; a mirror may list a package its pool lacks (404), then the suite's own release.
    if chroot "$ROOTFS" apt-get update -q >&2; then
        for release in "$security" "$suite"; do
            image=$(chroot "$ROOTFS" apt-cache show "linux-image-$DEB_ARCH/$release" 2>/dev/null \
                | sed -n 's/^Depends: \(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1=\2/p' | head -1)
            [[ -n $image ]] || continue
            if DEBIAN_FRONTEND=noninteractive chroot "$ROOTFS" \
                    apt-get install -y -q --no-install-recommends "$image" >&2; then
                rc=0
                break
            fi
        done
    fi
    umount "$ROOTFS/dev" "$ROOTFS/sys" "$ROOTFS/proc"
    ((rc == 0)) || die "could not install $suite's kernel"
    chroot "$ROOTFS" apt-get clean
}

# The kernel and initrd of a suite: the newest /boot/vmlinuz-* whose version the suite's package names.
KERNELS=$CACHE/kernels/$SUITE
if [[ ! -e $KERNELS/version ]]; then
    before=$(ls "$ROOTFS"/boot/vmlinuz-* 2>/dev/null | sort)
    install_suite_kernel "$SUITE"
    if [[ $SUITE == bookworm ]]; then
        vmlinuz=$(ls "$ROOTFS"/boot/vmlinuz-6.1.* | sort -V | tail -1)
    else
        vmlinuz=$(comm -13 <(echo "$before") <(ls "$ROOTFS"/boot/vmlinuz-* | sort) | tail -1)
        [[ -n $vmlinuz ]] || die "no new kernel under $ROOTFS/boot after installing $SUITE's"
    fi
    version=${vmlinuz##*/vmlinuz-}
    [[ -e $ROOTFS/boot/initrd.img-$version ]] || die "no initrd for $version"
    mkdir -p "$KERNELS"
    cp "$vmlinuz" "$KERNELS/vmlinuz"
    cp "$ROOTFS/boot/initrd.img-$version" "$KERNELS/initrd.img"
    echo "$version" > "$KERNELS/version"
    rm -f "$CACHE/root.img"
fi
KERNEL_VERSION=$(cat "$KERNELS/version")

# The root image: the root file system plus the guest's init, as ext4, mounted read-only by the guest.
ROOT_IMG=$CACHE/root.img
if [[ ! -e $ROOT_IMG || $REPO/scripts/emu/guest-init.sh -nt $ROOT_IMG ]]; then
    log "writing the root image $ROOT_IMG"
    install -m 755 "$REPO/scripts/emu/guest-init.sh" "$ROOTFS/sbin/emu-init"
    mkdir -p "$ROOTFS/emu"
    size_mb=$(( $(du -sm "$ROOTFS" | cut -f1) * 5 / 4 + 256 ))
    rm -f "$ROOT_IMG"
    mkfs.ext4 -q -F -L emuroot -d "$ROOTFS" "$ROOT_IMG" "${size_mb}M" >&2
fi

# --- 3. payload: the project's jars, test classes and dependencies ------------------------------------------------
rm -rf "$RUN"
PAYLOAD=$RUN/payload
mkdir -p "$PAYLOAD/lib" "$PAYLOAD/results"
log "building the project on the host (mvn package -DskipTests) and writing its test class paths"
# In one reactor run, so that the transport's class path names the ring library's freshly packaged jar.
(cd "$REPO" && mvn -B -o -q package dependency:build-classpath -DskipTests -pl transport-iouring -am \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/emu-test-classpath.txt) >&2
CP_NATIVE=$REPO/transport-iouring-native/target/emu-test-classpath.txt
CP_TRANSPORT=$REPO/transport-iouring/target/emu-test-classpath.txt
JUNIT_VERSION=$(sed -n 's#.*<junit.version>\(.*\)</junit.version>.*#\1#p' "$REPO/pom.xml")
# The console launcher of JUnit 5.x is platform 1.x with the same minor and patch.
CONSOLE_VERSION=1.${JUNIT_VERSION#5.}
CONSOLE_JAR=$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$CONSOLE_VERSION/junit-platform-console-standalone-$CONSOLE_VERSION.jar
if [[ ! -e $CONSOLE_JAR ]]; then
    log "fetching junit-platform-console-standalone $CONSOLE_VERSION from Maven Central"
    mvn -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$CONSOLE_VERSION" >&2
fi
cp "$CONSOLE_JAR" "$PAYLOAD/junit-console.jar"

# Maps a host class path to the guest's: jars copied to /emu/lib, JUnit's own left out (the console launcher
# brings the same version; two Jupiter engines on one class path refuse to start).
guest_classpath() {
    local entry out=()
    IFS=: read -ra entries < "$1"
    for entry in "${entries[@]}"; do
        case $entry in
            */org/junit/*|*/opentest4j/*|*/apiguardian/*) continue ;;
        esac
        cp "$entry" "$PAYLOAD/lib/"
        out+=("/emu/lib/${entry##*/}")
    done
    (IFS=:; echo "${out[*]}")
}
NATIVE_JAR=$(ls "$REPO"/transport-iouring-native/target/transport-iouring-native-*.jar | grep -v -- '-\(tests\|sources\|javadoc\)\.jar$')
TRANSPORT_JAR=$(ls "$REPO"/transport-iouring/target/transport-iouring-*.jar | grep -v -- '-\(tests\|sources\|javadoc\)\.jar$')
cp "$NATIVE_JAR" "$TRANSPORT_JAR" "$PAYLOAD/lib/"
cp -r "$REPO/transport-iouring-native/target/test-classes" "$PAYLOAD/native-test-classes"
cp -r "$REPO/transport-iouring/target/test-classes" "$PAYLOAD/transport-test-classes"
NATIVE_CP=/emu/lib/${NATIVE_JAR##*/}:/emu/native-test-classes:$(guest_classpath "$CP_NATIVE")
# The transport's class path names the ring library's jar itself (a reactor dependency).
TRANSPORT_CP=/emu/lib/${TRANSPORT_JAR##*/}:/emu/transport-test-classes:$(guest_classpath "$CP_TRANSPORT")

# EmuFeatures: the probe and feature report printed before the tests.
mkdir -p "$PAYLOAD/features"
javac -nowarn --release 17 -d "$PAYLOAD/features" \
    -cp "$(sed "s#/emu/#$PAYLOAD/#g" <<< "$TRANSPORT_CP")" "$REPO/scripts/emu/EmuFeatures.java"

# --- the test plan the guest runs ---------------------------------------------------------------------------------
{
    cat <<EOF
#!/bin/sh
# Generated by scripts/emulated-test.sh for $ARCH, kernel $KERNEL_VERSION ($SUITE), sets $SETS.
cd /tmp
JAVA_OPTS="-Xmx1g -XX:ErrorFile=/emu/results/hs_err_pid%p.log -Dio.netty.leakDetection.level=paranoid -Djna.tmpdir=/tmp ${EMU_JAVA_OPTS:-}"
java -version 2>&1 | sed 's/^/EMU-JAVA /'
java \$JAVA_OPTS -cp /emu/features:$TRANSPORT_CP EmuFeatures > /tmp/features.out 2>&1
echo "EMU-FEATURES exit=\$?"
cat /tmp/features.out
# Tests require io_uring (fail rather than skip) wherever the layer reports itself available; where it does not
# (a kernel below its floor), they must skip cleanly, which is what such a run shows.
RING_REQUIRE=false
TRANSPORT_REQUIRE=false
grep -q "^EMU-FEATURE ring.available=true" /tmp/features.out && RING_REQUIRE=true
grep -q "^EMU-FEATURE transport.available=true" /tmp/features.out && TRANSPORT_REQUIRE=true

# One JUnit console run: name, whether io_uring is required, extra JVM options, class path, selectors.
# Prints one EMU-RESULT line.
run_set() {
    name=\$1; require=\$2; options=\$3; cp=\$4; shift 4
    start=\$(date +%s)
    java \$JAVA_OPTS \$options -Diouring4j.requireUring=\$require -jar /emu/junit-console.jar execute --disable-banner \\
        --details=summary --details-theme=ascii --class-path "\$cp" --reports-dir /emu/results/\$name "\$@" \\
        > /tmp/\$name.out 2>&1
    rc=\$?
    end=\$(date +%s)
    sed "s/^/[\$name] /" /tmp/\$name.out
    cp /tmp/\$name.out /emu/results/\$name.out
    found=\$(sed -n 's/^\[ *\([0-9]*\) tests found .*/\1/p' /tmp/\$name.out)
    ok=\$(sed -n 's/^\[ *\([0-9]*\) tests successful .*/\1/p' /tmp/\$name.out)
    failed=\$(sed -n 's/^\[ *\([0-9]*\) tests failed .*/\1/p' /tmp/\$name.out)
    skipped=\$(sed -n 's/^\[ *\([0-9]*\) tests skipped .*/\1/p' /tmp/\$name.out)
    aborted=\$(sed -n 's/^\[ *\([0-9]*\) tests aborted .*/\1/p' /tmp/\$name.out)
    echo "EMU-RESULT set=\$name found=\${found:-?} passed=\${ok:-?} failed=\${failed:-?} skipped=\${skipped:-?} aborted=\${aborted:-?} seconds=\$((end - start)) exit=\$rc"
}
EOF
    IFS=, read -ra wanted <<< "$SETS"
    for set in "${wanted[@]}"; do
        # A set may name transport switches after colons: smoke:bufferRing=false:sockNonEmpty=false.
        options=""
        IFS=: read -ra parts <<< "$set"
        for switch in "${parts[@]:1}"; do options+=" -Diouring4j.$switch"; done
        name=${set//[:=]/-}
        case ${parts[0]} in
            ring) echo "run_set $name \$RING_REQUIRE '$options' '$NATIVE_CP' --select-package org.iouring4j.ring" ;;
            smoke) echo "run_set $name \$TRANSPORT_REQUIRE '$options' '$TRANSPORT_CP' --select-class org.iouring4j.transport.EchoSmokeTest" ;;
            loop) echo "run_set $name \$TRANSPORT_REQUIRE '$options' '$TRANSPORT_CP' --select-class org.iouring4j.transport.UringIoHandlerTest" ;;
            org.iouring4j.*) echo "run_set ${name##*.} \$TRANSPORT_REQUIRE '$options' '$TRANSPORT_CP:/emu/native-test-classes' --select-class ${parts[0]}" ;;
            echo)
                # One JVM per class, as surefire forks them (the testsuite keeps static event loop groups).
                for cls in $(cd "$PAYLOAD/transport-test-classes" && ls org/iouring4j/transport/testsuite/*Echo*Test.class); do
                    cls=${cls%.class}; cls=${cls//\//.}
                    echo "run_set $name-${cls##*.} \$TRANSPORT_REQUIRE '$options' '$TRANSPORT_CP' --select-class $cls"
                done ;;
            *) die "unknown test set $set" ;;
        esac
    done
} > "$PAYLOAD/run.sh"

PAYLOAD_IMG=$RUN/payload.img
mkfs.ext4 -q -F -L emupayload -d "$PAYLOAD" "$PAYLOAD_IMG" "$(( $(du -sm "$PAYLOAD" | cut -f1) + 512 ))M" >&2

# --- 4. boot ------------------------------------------------------------------------------------------------------
CMDLINE="root=/dev/vda rootfstype=ext4 ro init=/sbin/emu-init panic=-1 loglevel=4"
QEMU_ARGS=(-smp "$SMP" -m "$MEM" -nographic -no-reboot
    -kernel "$KERNELS/vmlinuz" -initrd "$KERNELS/initrd.img"
    -drive "file=$ROOT_IMG,format=raw,if=virtio,readonly=on"
    -drive "file=$PAYLOAD_IMG,format=raw,if=virtio" -nic none)
if [[ $ARCH == aarch64 ]]; then
    QEMU=qemu-system-aarch64
    # cortex-a72 (ARMv8.0, a Raspberry Pi 4's core) rather than "max": no SVE or pointer authentication to emulate.
    QEMU_ARGS+=(-M virt -cpu "${EMU_CPU:-cortex-a72}" -append "$CMDLINE console=ttyAMA0")
    ACCEL="tcg (software emulation)"
else
    QEMU=qemu-system-x86_64
    QEMU_ARGS+=(-M q35 -append "$CMDLINE console=ttyS0")
    # KVM when the CPU offers virtualisation: /dev/kvm alone is not enough (on a Firecracker VM without nested
    # virtualisation it exists and qemu starts, but the guest kernel hangs before its first message).
    if [[ ${EMU_KVM:-1} == 1 && -w /dev/kvm ]] && grep -qw -m1 'vmx\|svm' /proc/cpuinfo; then
        QEMU_ARGS+=(-accel kvm -cpu host)
        ACCEL=kvm
    else
        QEMU_ARGS+=(-cpu max)
        ACCEL="tcg (software emulation)"
    fi
fi
CONSOLE_LOG=$RUN/console.log
log "booting $ARCH with Debian $SUITE's kernel $KERNEL_VERSION ($ACCEL), sets $SETS; console: $CONSOLE_LOG"
start=$(date +%s)
set +e
timeout "$TIMEOUT" nice -n 10 "$QEMU" "${QEMU_ARGS[@]}" < /dev/null 2>&1 | tee "$CONSOLE_LOG" | grep --line-buffered "EMU-"
qemu_rc=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))
log "qemu exited ($qemu_rc) after ${elapsed}s"

# --- 5. results ---------------------------------------------------------------------------------------------------
debugfs -R "rdump /results $RUN" "$PAYLOAD_IMG" > /dev/null 2>&1 || log "could not read the results from $PAYLOAD_IMG"
SUMMARY=$RUN/summary.txt
{
    echo "arch=$ARCH kernel=$KERNEL_VERSION suite=$SUITE accel=$ACCEL smp=$SMP mem=${MEM}M wall=${elapsed}s"
    grep -a "EMU-JAVA\|EMU-FEATURE\|EMU-RESULT" "$CONSOLE_LOG" | tr -d '\r'
} > "$SUMMARY"
cat "$SUMMARY"
grep -q "EMU-RESULT" "$SUMMARY" || die "no test results (see $CONSOLE_LOG)"
if grep "EMU-RESULT" "$SUMMARY" | grep -qv "failed=0 "; then
    exit 1
fi
}

main "$@"
