CREATE OR REPLACE FUNCTION public.bump_cache_generation()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  update cache_generations set generation = generation + 1 where name = tg_argv[0];
  return null;
end
$function$;
