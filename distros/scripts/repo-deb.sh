# repo-deb.sh: sourced by release's repo.sh for each apt repository, with
# r (the repository's directory), pkgs (the directory of its .debs), suite,
# origin and fpr set, and gpgs to sign with when fpr is not empty. It makes
# pool/main plus dists/SUITE/ with Packages, Packages.gz and Release
# (apt-ftparchive), signed as InRelease and Release.gpg.
# shellcheck shell=sh disable=SC2154 # set by repo.sh, which sources this

mkdir -p "$r/pool/main"
cp "$pkgs"/*.deb "$r/pool/main/"
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
echo "$me: apt repository ${r#"$out"/}, suite $suite, architectures $archlist"
