#!/usr/bin/env bash
# Inside the image build (Dockerfile, stage runtime-files): lays out in DIR the smallest
# filesystem the given programs run from (the programs themselves are added by each
# image): every shared library they load (ldd's closure) at its usual path, the dynamic
# loader, the CA certificates, passwd and group entries for root and syllabus (uid
# 10001), a resolver configuration, /tmp, and /bin/sleep (a Kubernetes preStop pause).
# No shell, no package manager.
#   container-rootfs.sh DIR PROGRAM...
set -euo pipefail
dir="$1"
shift
mkdir -p "$dir/usr/local/bin" "$dir/bin" "$dir/etc/ssl/certs" "$dir/tmp" "$dir/var/lib/syllabus"
chmod 1777 "$dir/tmp"
copy_with_libraries() {  # copy_with_libraries FILE: its libraries, at their paths
  local library
  for library in $(ldd "$1" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'); do
    # The path as the loader asks for it, holding the real file (symlinks resolved).
    mkdir -p "$dir$(dirname "$library")"
    cp -L "$library" "$dir$library"
  done
}
for program in "$@"; do
  copy_with_libraries "$program"
done
cp /bin/sleep "$dir/bin/sleep"
copy_with_libraries /bin/sleep
cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nsyllabus:x:10001:10001:syllabus:/var/lib/syllabus:/usr/sbin/nologin\n' >"$dir/etc/passwd"
printf 'root:x:0:\nsyllabus:x:10001:\n' >"$dir/etc/group"
printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
