/*
 * mail_cli: the `handout mail` command (issue 5): each patient with an
 * email address gets their own leaflet once, protected if asked, with a
 * record of what went out.
 *
 *   handout mail --patients FILE.csv [-s SITE] --from ADDR
 *                (--smtp URL | --spool DIR) [--tls required|opportunistic|none]
 *                [--cacert FILE] [--credentials FILE]
 *                [--protect none|dob|passphrase] [--journal FILE]
 *                [--resend REF]... [--rate N/min] [--attempts N]
 *                [--backoff-ms MS] [--dry-run] [--show-patient-data]
 *
 *   patients.csv (patients.h) -> per valid row with an email, in file order:
 *   check the address (mime_check_address) and the password column
 *   -> render in memory (job_run with job.patient, one job_cache)
 *   -> sha256 of the unprotected PDF -> journal: (ref, sha256) accepted?
 *      skip, unless --resend REF
 *   -> protect (protect.h) -> mime_build (mime.h)
 *   -> smtp_send (smtp.h) or spool_write (spool.h) -> journal_append
 *
 * The command is a thin layer: every step is a library module; this file
 * holds only the option parsing, the order of the steps and what is
 * printed.
 *
 * Default journal (--journal not given):
 *   --smtp:  FILE.csv's folder/STEM.mail-journal.jsonl (STEM: the CSV's file
 *            name without its extension), beside the patient list it
 *            records sending for;
 *   --spool: DIR/spool-journal.jsonl, inside the spool folder it records
 *            (not an .eml file, so a loop over the .eml files passes it by).
 * So a spool run never makes an SMTP run skip a patient, nor the reverse.
 *
 * Output: one line per row on stdout ("REF sent", "REF already sent",
 * "REF rejected (550)", ...; a dry run: "REF layout=a4 protect=dob would
 * send"), then one summary line.  No patient value (name, address, handout,
 * date of birth, server reply) is printed unless --show-patient-data.
 * Errors on stderr through diag, bad rows at their CSV line:col.
 *
 * Exit status: 0 every row with an email was sent or already sent; 1 some
 * row was bad or some message was rejected or still deferred (the others
 * were sent); 2 usage error; 3 a fatal transport error (certificate,
 * STARTTLS, AUTH, or a server that could not be reached through every
 * retry of a message) or an I/O failure (journal, spool, encryption): the
 * run stops there, and the summary says how many rows were not tried.
 */
#ifndef HANDOUT_MAIL_CLI_H
#define HANDOUT_MAIL_CLI_H

#include "job.h"

/* argv[0] is the command name ("mail"), the options follow.  paths: the
 * data folders (main.c's); the handouts folder is the parent of
 * paths->sites_dir (handouts/sites).  Returns the exit status above. */
int mail_main(int argc, char **argv, const struct job_paths *paths);

#endif
