// Imported before the schema-migrations handler, which parses its environment at module load.
process.env.DB_CLUSTER_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:photos';
process.env.DB_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin';
process.env.DB_NAME = 'photos';
