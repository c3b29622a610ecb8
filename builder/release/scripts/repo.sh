#!/bin/sh
# Makes a release's repositories in /release/repo from the packages in
# /release/in/NAME/, one repository per line of /release/repos.txt:
#   deb NAME SUITE   an apt repository: pool/main plus dists/SUITE/ with
#                    Packages, Packages.gz and Release (apt-ftparchive)
#   rpm NAME -       an rpm repository: the rpms plus repodata/ (createrepo_c)
# then SHA256SUMS over every file. When $GNUPGHOME holds a secret key
# (imported by dbuilder through stdin, never a file it wrote), everything is
# signed with it: InRelease and Release.gpg, each rpm (rpmsign),
# repomd.xml.asc, SHA256SUMS.asc; and its public key goes to KEY.asc.
# DBUILDER_ORIGIN names the repositories (Origin and Label of Release).
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
else
	echo "$me: no signing key: the repositories are NOT signed"
fi

while read -r kind name suite; do
	case $kind in
	deb)
		r=$out/apt/$name
		mkdir -p "$r/pool/main"
		cp "$in/$name"/*.deb "$r/pool/main/"
		archs=$(for f in "$r"/pool/main/*.deb; do dpkg-deb -f "$f" Architecture; done | sort -u | grep -vx all || true)
		[ -n "$archs" ] || archs=$(dpkg --print-architecture)
		for a in $archs; do
			d=$r/dists/$suite/main/binary-$a
			mkdir -p "$d"
			# --arch: this architecture's packages and the _all ones.
			(cd "$r" && apt-ftparchive --arch "$a" packages pool/main) >"$d/Packages"
			gzip -9nc "$d/Packages" >"$d/Packages.gz"
		done
		archlist=$(echo "$archs" | tr '\n' ' ' | sed 's/ *$//')
		(cd "$r" && apt-ftparchive \
			-o "APT::FTPArchive::Release::Origin=$origin" -o "APT::FTPArchive::Release::Label=$origin" \
			-o "APT::FTPArchive::Release::Suite=$suite" -o "APT::FTPArchive::Release::Codename=$suite" \
			-o "APT::FTPArchive::Release::Architectures=$archlist" -o "APT::FTPArchive::Release::Components=main" \
			release "dists/$suite") >/release/Release.tmp
		mv /release/Release.tmp "$r/dists/$suite/Release"
		if [ -n "$fpr" ]; then
			gpgs --clearsign -o "$r/dists/$suite/InRelease" "$r/dists/$suite/Release"
			gpgs --armor --detach-sign -o "$r/dists/$suite/Release.gpg" "$r/dists/$suite/Release"
		fi
		echo "$me: apt repository apt/$name, suite $suite, architectures $archlist"
		;;
	rpm)
		r=$out/rpm/$name
		mkdir -p "$r"
		cp "$in/$name"/*.rpm "$r/"
		if [ -n "$fpr" ]; then
			# Debian's rpm looks for gpg2 by default.
			rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" \
				--define "_gpg_sign_cmd_extra_args --batch --pinentry-mode error" --addsign "$r"/*.rpm
		fi
		# After signing: the repodata records the signed files' checksums.
		createrepo_c --quiet "$r"
		if [ -n "$fpr" ]; then
			gpgs --armor --detach-sign -o "$r/repodata/repomd.xml.asc" "$r/repodata/repomd.xml"
		fi
		echo "$me: rpm repository rpm/$name"
		;;
	*)
		echo "$me: bad line in repos.txt: $kind $name $suite" >&2
		exit 2
		;;
	esac
done </release/repos.txt

if [ -n "$fpr" ]; then
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
