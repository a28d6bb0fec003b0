drop function authorize(bigint, bigint, timestamptz, text[]);
