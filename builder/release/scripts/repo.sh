#!/bin/sh
# Makes a release's repositories in /release/repo from the packages in
# /release/in/NAME/ (this release's) and /release/kept/NAME/ (published by
# earlier releases, sent as they were), one repository per line of
# /release/repos.txt:
#   SCRIPT DIR NAME SUITE   (SUITE "-" when the format has none)
# SCRIPT is the package format's repository script (distros/scripts/
# repo-FORMAT.sh, copied next to this one); it is sourced with r (the
# repository: repo/DIR/NAME, made), pkgs (/release/in/NAME), kept
# (/release/kept/NAME, maybe missing) and suite set. Repositories of the
# published directory this release does not touch are already in
# /release/repo, as they were. Then SHA256SUMS over every file. When
# $GNUPGHOME holds a secret key (imported by dbuilder through stdin, never
# a file it wrote), everything new is signed with it (the format's script
# signs its own files with gpgs: InRelease and Release.gpg, .dsc and
# .changes, each new rpm, repomd.xml.asc), SHA256SUMS.asc; and its public
# key goes to KEY.asc. A published directory's key
# (/release/published/KEY.asc) must be the same key.
# DBUILDER_ORIGIN names the repositories (Origin and Label of Release).
# shellcheck disable=SC2034 # origin, pkgs, kept, suite: read by the format's script
set -eu
me=repo.sh
in=/release/in
out=/release/repo
origin=${DBUILDER_ORIGIN:-dbuilder}
mkdir -p "$out"

fpr=
if [ -n "${GNUPGHOME:-}" ] && [ -d "$GNUPGHOME" ]; then
	fpr=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
fi
# gpgs ARGS...: gpg signing with the key; a key with a passphrase fails at
# once instead of waiting for a pinentry that cannot come.
gpgs() { gpg --batch --yes --pinentry-mode error --local-user "$fpr" "$@"; }
if [ -n "$fpr" ]; then
	if ! echo probe | gpgs --clearsign >/dev/null; then
		echo "$me: the signing key cannot sign without a passphrase; give dbuilder a key without one (as a CI variable holds it)" >&2
		exit 3
	fi
	echo "$me: signing with key $fpr"
	if [ -f /release/published/KEY.asc ]; then
		was=$(gpg --batch --with-colons --import-options show-only --import /release/published/KEY.asc 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
		if [ "$was" != "$fpr" ]; then
			echo "$me: the published repositories are signed with key $was, not with the key given ($fpr): a release adds to them only with the same key; release into another directory to start again with a new key" >&2
			exit 3
		fi
	fi
else
	echo "$me: no signing key: the repositories are NOT signed"
fi

while read -r script dir name suite; do
	if [ ! -f "/release/$script" ]; then
		echo "$me: bad line in repos.txt: $script $dir $name $suite" >&2
		exit 2
	fi
	r=$out/$dir/$name
	pkgs=$in/$name
	kept=/release/kept/$name
	mkdir -p "$r" "$pkgs"
	# shellcheck source=/dev/null # the format's own script
	. "/release/$script"
done </release/repos.txt

if [ -f /release/published/KEY.asc ] && [ -n "$fpr" ]; then
	cp /release/published/KEY.asc "$out/KEY.asc" # the same key (checked above), the same bytes
elif [ -n "$fpr" ]; then
	gpg --batch --armor --export "$fpr" >"$out/KEY.asc"
fi
(cd "$out" && find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.asc | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
	sha256sum "$f"
done) >/release/SHA256SUMS.tmp
mv /release/SHA256SUMS.tmp "$out/SHA256SUMS"
if [ -n "$fpr" ]; then
	gpgs --armor --detach-sign -o "$out/SHA256SUMS.asc" "$out/SHA256SUMS"
	gpg --batch --verify "$out/SHA256SUMS.asc" "$out/SHA256SUMS" 2>&1
fi
echo "$me: $(wc -l <"$out/SHA256SUMS") file(s) in SHA256SUMS"
