/**
 * `npm run due [-- <horizon days>]`: asks the running local server (`npm start`) to run the planned maintenance
 * run now. The server owns the embedded store, so this goes through it rather than opening the data itself.
 */
const port = Number(process.env.PORT ?? 3000);
const horizonDays = process.argv[2] ? Number(process.argv[2]) : undefined;
const response = await fetch(`http://127.0.0.1:${port}/local/due`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(horizonDays === undefined ? {} : { horizonDays }),
}).catch(() => undefined);
if (!response) {
  console.error(`No local server on port ${port}: start it with npm start.`);
  process.exit(1);
}
console.log(JSON.stringify(await response.json(), null, 2));
process.exit(response.ok ? 0 : 1);

export {};
