// Verify page: looks a certificate number up in the register's lookup, which the build
// publishes beside this page in parts (certificates-N.json, see certsite/verify.py), and
// says who holds it, against what, and its status as of the data date. The number lives
// in the address (?id=...), so that an answer can be shared and cited.
//
// Everything from the register goes into the page as text (textContent, element by
// element), never as HTML: certificate numbers and names come from editors' files.

const form = document.getElementById("verify-form");
const input = document.getElementById("verify-id");
const answer = document.getElementById("verify-answer");
const { asOf, parts, lookup, search, corrections } = answer.dataset;

// As certsite/verify.py's certificate_key: compatibility forms folded, then only letters
// and digits, upper case.
function certificateKey(number) {
  return number.normalize("NFKC").replace(/[^\p{L}\p{N}]/gu, "").toUpperCase();
}

// As certsite/verify.py's part_of: 32-bit FNV-1a of the key's UTF-8 bytes, modulo the parts.
function partOf(key, count) {
  let digest = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) digest = Math.imul(digest ^ byte, 0x01000193) >>> 0;
  return digest % count;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(text, href) {
  return Object.assign(element("a", null, text), { href });
}

async function matchesOf(key) {
  const address = new URL(`certificates-${partOf(key, Number(parts))}.json`, new URL(lookup, window.location.href));
  const response = await fetch(address);
  if (!response.ok) throw new Error(`${address}: ${response.status}`);
  const table = await response.json();
  return Object.hasOwn(table, key) ? table[key] : [];
}

function facts(pairs) {
  const list = element("dl", "facts");
  for (const [term, value] of pairs) {
    if (value === null || value === "") continue;
    const definition = element("dd");
    definition.append(value); // a string is appended as a text node
    list.append(element("dt", null, term), definition);
  }
  return list;
}

function found(number, matches) {
  const heading = element("h2", null, matches.length === 1 ? `Certificate ${number} is in the register` : `${matches.length} certificates match ${number}`);
  const items = matches.map((match, index) => {
    const section = element("section", "certification");
    section.setAttribute("aria-labelledby", `verify-match-${index + 1}`);
    const title = element("h3");
    title.id = `verify-match-${index + 1}`;
    title.append(link(match.entity, match.entity_url));
    section.append(
      title,
      facts([
        ["Certificate", match.certificate],
        ["Standard", match.edition ? `${match.standard}, edition ${match.edition}` : match.standard],
        [`Status as of ${asOf}`, match.status],
        ["Valid", match.validity],
        ["Announced", link(`Announcement of ${match.announced}`, match.link)],
      ]),
    );
    return section;
  });
  answer.replaceChildren(heading, ...items);
}

function notFound(number) {
  const said = element("p", null, `No certificate numbered ${number} is in the register as of ${asOf}.`);
  const advice = element("p", null, "Check the number as it is printed on the certificate");
  if (corrections) {
    advice.append(", or ", link("contact the register", corrections), " if you believe it should be listed");
  }
  advice.append(". You can also ", link("search the register", `${search}?q=${encodeURIComponent(number)}`), " for the company's name.");
  answer.replaceChildren(element("h2", null, "Not found"), said, advice);
}

let latest = 0; // an earlier lookup that answers late must not replace a later one's answer

async function verify(number) {
  const asked = ++latest;
  const key = certificateKey(number);
  if (!key) {
    // Nothing but spaces or signs: say what the field wants rather than answer nothing.
    answer.replaceChildren(number.trim() ? element("p", null, "A certificate number has letters or digits; type it as it is written on the certificate.") : "");
    return;
  }
  try {
    const matches = await matchesOf(key);
    if (asked !== latest) return;
    if (matches.length) found(number.trim(), matches);
    else notFound(number.trim());
  } catch (error) {
    if (asked !== latest) return;
    const said = element("p", null, "The register's list of certificates could not be loaded. Check your connection and try again, or ");
    said.append(link("search the register", search), ".");
    answer.replaceChildren(said);
    throw error;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const number = input.value;
  const params = new URLSearchParams();
  if (number.trim()) params.set("id", number.trim());
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  verify(number);
});

const shared = new URLSearchParams(window.location.search).get("id");
if (shared) {
  input.value = shared;
  verify(shared);
}
