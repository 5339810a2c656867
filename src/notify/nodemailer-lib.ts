// nodemailer, loaded by email-channel.ts at the first e-mail. A module of its own because the bundle
// (scripts/bundle.mjs) gives an import() of a CommonJS package only its default export; a static import gets them all.
export { createTransport } from 'nodemailer';
