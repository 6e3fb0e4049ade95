import type { Template } from 'aws-cdk-lib/assertions';

/** One widget of a dashboard body, as CloudWatch reads it. */
export interface DashboardWidget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly metrics?: unknown[][];
  };
}

/**
 * The widgets of the one dashboard of `template`. The body is a `Fn::Join` of
 * JSON text and references; each reference is read as the string `<ref>`
 * (they all sit inside JSON strings), which leaves literal names as they are.
 */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const body = dashboards[0].Properties.DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}
